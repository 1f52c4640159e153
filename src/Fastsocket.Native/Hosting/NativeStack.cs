using System.Diagnostics;
using Fastsocket.Devices;
using Fastsocket.Native.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;

namespace Fastsocket.Native.Hosting;

/// <summary>
/// One engine behind the C ABI and the monitor that serializes it. Every socket call, every packet injected and every
/// step of time takes <see cref="Gate"/>; a blocking call waits on it (Monitor.Wait: a condition variable, so the
/// thread sleeps in the kernel on a futex and never spins) and is woken by <see cref="NotifyChanged"/>, which the
/// sockets' handlers call whenever the engine changes something a waiter may be waiting for. What moves time
/// (packetdrill's virtual clock, or later an engine thread on the monotonic clock) is the driver's business.
/// </summary>
internal sealed class NativeStack : IDisposable
{
    /// <summary>
    /// Longest real time a blocked call sleeps before it looks again on its own. Only a safety net: every change is
    /// signalled, so a correct run never relies on it.
    /// </summary>
    private const int WaitSliceMilliseconds = 200;

    private int _waiting;
    private int _pendingWakeups;
    private long _lastDriven = Environment.TickCount64;
    private int _wokenSinceAsked;

    /// <summary>Most closed connections <see cref="TrackClosed"/> remembers (beyond that an exit waits for none of the rest).</summary>
    private const int MaxTrackedClosed = 4096;
    private readonly List<(TcpConnection Connection, int Generation)> _closed = [];

    /// <summary>A stack over <paramref name="engine"/>, whose clock is <paramref name="clock"/>.</summary>
    public NativeStack(NetworkEngine engine, IClock clock)
    {
        Engine = engine;
        Clock = clock;
        Sockets = new SocketTable();
        // SO_SNDBUF means here what it means to the C programs on top: Linux's charge of socket buffers.
        engine.Config.LinuxSendBufferAccounting = true;
    }

    /// <summary>The lock around the engine, the socket table and the clock's movement.</summary>
    public object Gate { get; } = new();

    /// <summary>The engine (one core).</summary>
    public NetworkEngine Engine { get; }

    /// <summary>The engine's clock.</summary>
    public IClock Clock { get; }

    /// <summary>TCP settings of the engine.</summary>
    public TcpConfig Config => Engine.Config;

    /// <summary>Which descriptors are ours.</summary>
    public SocketTable Sockets { get; }

    /// <summary>Current time on the engine's clock, in microseconds.</summary>
    public long Now => Clock.NowMicroseconds;

    /// <summary>
    /// When time is virtual, it moves only while someone drives it; a blocked call that has seen no driving for this
    /// long in real time (0: never checked) fails instead of hanging. That happens when the driver itself made the
    /// call (packetdrill runs a call it expects not to block on its main thread) or has gone away.
    /// </summary>
    public int StallMilliseconds { get; set; }

    /// <summary>Whether a blocked call has woken since the last time this was asked (and forgets it).</summary>
    public bool TakeWokenCalls() => Interlocked.Exchange(ref _wokenSinceAsked, 0) != 0;

    /// <summary>Records that the driver moved time or the device (Environment.TickCount64 of the last time).</summary>
    public void MarkDriven() => _lastDriven = Environment.TickCount64;

    /// <summary>Threads blocked in a socket call right now.</summary>
    public int BlockedCalls => _waiting;

    /// <summary>Runs the engine once: packets waiting on the device, due timers, then output. Caller holds the gate.</summary>
    public void Pump()
    {
        Debug.Assert(Monitor.IsEntered(Gate));
        _outputDeferred = false;
        Engine.Poll();
    }

    /// <summary>
    /// Whether what the program writes (send, write, sendfile, close, shutdown) waits for its next wait (epoll_wait,
    /// poll, select, or a call that blocks) instead of leaving at once: run to completion. The LD_PRELOAD host sets it
    /// in both engine modes (an engine thread also sends it on its next turn). nginx answering a request writes the
    /// header, sends the file and closes in three calls; sent at once that is three segments, and the client, which
    /// closes as soon as it has the whole response, sends its FIN before ours arrives, so the client keeps every
    /// TIME-WAIT and runs out of ports. Deferred, header, body and FIN leave together, as one segment.
    /// </summary>
    public bool DeferOutput { get; set; }

    private bool _outputDeferred;

    /// <summary>After a call that queued output: sends it now, or leaves it for the program's next wait (<see cref="DeferOutput"/>). Caller holds the gate.</summary>
    public void PumpAfterWrite()
    {
        if (DeferOutput)
        {
            _outputDeferred = true;
            return;
        }
        Pump();
    }

    /// <summary>Sends the output <see cref="PumpAfterWrite"/> left for the program's wait, which begins now. Caller holds the gate.</summary>
    public void FlushDeferredOutput()
    {
        if (_outputDeferred)
        {
            _outputDeferred = false;
            Engine.FlushPending();
        }
    }

    /// <summary>Wakes every blocked call so that it looks at its socket again. Caller holds the gate.</summary>
    public void NotifyChanged()
    {
        if (_waiting > 0)
        {
            _pendingWakeups = _waiting;
            Monitor.PulseAll(Gate);
        }
    }

    /// <summary>
    /// Blocks the calling thread (which holds the gate) until something changes or <paramref name="deadlineMicroseconds"/>
    /// passes on the engine clock; the caller re-checks its condition after every return.
    /// </summary>
    public void Wait(long deadlineMicroseconds)
    {
        // A call that blocks is a wait of the program: what it wrote before must leave, or the answer it waits for never comes.
        FlushDeferredOutput();
        if (deadlineMicroseconds <= Now)
        {
            return;
        }
        if (StallMilliseconds > 0 && Environment.TickCount64 - _lastDriven > StallMilliseconds)
        {
            throw new InvalidOperationException($"blocked for {StallMilliseconds} ms of real time while nothing moved virtual time: the call would never return (was it made on the thread that drives time?)");
        }
        _waiting++;
        try
        {
            Monitor.Wait(Gate, WaitSliceMilliseconds);
        }
        finally
        {
            _wokenSinceAsked = 1;
            _waiting--;
            if (_pendingWakeups > 0)
            {
                _pendingWakeups--;
            }
        }
    }

    /// <summary>
    /// Lets the calls that <see cref="NotifyChanged"/> woke run until they block again or return (each does its work
    /// under the gate, so once it has taken and released the gate its effects are visible), at most
    /// <paramref name="maxMilliseconds"/> of real time. A driver calls this before it moves time on, so that a call
    /// woken at time t acts at time t. Caller holds the gate.
    /// </summary>
    public void Quiesce(int maxMilliseconds = 500)
    {
        if (_pendingWakeups <= 0)
        {
            return;
        }
        long start = Environment.TickCount64;
        while (_pendingWakeups > 0 && Environment.TickCount64 - start < maxMilliseconds)
        {
            Monitor.Wait(Gate, 1);
        }
        _pendingWakeups = 0;
    }

    /// <summary>
    /// Remembers a connection the program closed while its data or FIN may still be unacknowledged, so that a process
    /// about to exit can wait for it (<see cref="ClosedConnectionsSettled"/>): the kernel keeps sending after close and
    /// exit, a stack inside the process cannot. Caller holds the gate.
    /// </summary>
    public void TrackClosed(TcpConnection connection)
    {
        if (!TracksClosedConnections)
        {
            return;
        }
        _ = ClosedConnectionsSettled();
        if (_closed.Count < MaxTrackedClosed)
        {
            _closed.Add((connection, connection.Generation));
        }
    }

    /// <summary>Whether <see cref="TrackClosed"/> remembers anything: only for a host whose process will exit with the stack.</summary>
    public bool TracksClosedConnections { get; set; }

    /// <summary>
    /// Whether every connection the program closed has had its data and FIN acknowledged (FIN-WAIT-2, TIME-WAIT or
    /// closed); forgets those that have. Caller holds the gate.
    /// </summary>
    public bool ClosedConnectionsSettled()
    {
        // A pooled connection object reused for another connection (a new generation) is done with the closed one.
        _closed.RemoveAll(static c => c.Connection.Generation != c.Generation ||
            c.Connection.State is TcpState.FinWait2 or TcpState.TimeWait or TcpState.Closed);
        return _closed.Count == 0;
    }

    /// <summary>Closes every descriptor still open and frees the table.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            foreach ((int fd, object _) in Sockets.Snapshot())
            {
                SocketCalls.CloseLocked(this, fd);
            }
        }
        Sockets.Dispose();
    }
}
