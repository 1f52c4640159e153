using System.Net;
using Fastsocket.Devices;
using Fastsocket.Devices.Tun;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Native.Hosting;

/// <summary>
/// The stack an LD_PRELOAD interposer starts in an unmodified process: one engine on an existing TUN device, on the
/// monotonic clock, driven by a dedicated engine thread (<see cref="Run"/>) that the interposer creates, so that the
/// interposer can mark that thread as one whose own libc calls (the eventfd writes, the TUN reads) must never be routed
/// back into the stack.
/// </summary>
internal sealed class PreloadHost
{
    /// <summary>Longest the engine thread sleeps when no timer is due earlier: bounds a missed doorbell.</summary>
    private const int MaxSleepMilliseconds = 10;

    private readonly TunDevice _device;
    private readonly Doorbell _doorbell = new();

    private readonly bool _engineThread;

    /// <summary>
    /// Longest an ACK waits for the program to read and answer in inline mode (Linux's shortest delayed ACK, 40 ms, well
    /// under any retransmission timeout of the peer).
    /// </summary>
    private const long MaxAckWaitMicroseconds = 40_000;

    // Inline mode: when ACKs started waiting for the program (engine clock, microseconds); 0 when none wait.
    private long _acksWaitingSince;

    private PreloadHost(TunDevice device, NativeStack stack, bool engineThread)
    {
        _device = device;
        Stack = stack;
        _engineThread = engineThread;
    }

    /// <summary>The stack the process's sockets run on.</summary>
    public NativeStack Stack { get; }

    /// <summary>
    /// Attaches a queue to the TUN device <paramref name="deviceName"/> (created beforehand with the multi_queue flag
    /// and addressed on the kernel's side) and builds an engine answering at <paramref name="address"/>.
    /// </summary>
    /// <remarks>
    /// With <paramref name="engineThread"/> false nothing drives the engine on its own: the interposer calls
    /// <see cref="RunOnce"/> from the program's own epoll_wait (run to completion on the program's thread).
    /// </remarks>
    public static PreloadHost Start(string deviceName, IPAddress address, bool engineThread)
    {
        TunDevice device = TunDevice.Create(deviceName, 1);
        var engine = new NetworkEngine(new EngineOptions
        {
            LocalAddress = IpAddress.FromIPAddress(address),
            Device = device.GetQueue(0),
            Clock = MonotonicClock.Instance,
            Tcp = new TcpConfig { NoDelay = true },
        });
        // Inline, the engine runs in the program's waits and the program works between them: ACKs that wait for its
        // reply are sent at its next wait (Turn), not at the end of the poll that received the request.
        engine.DeferEndOfTurnAcks = !engineThread;
        // What the program writes leaves at its next wait (run to completion), or with the engine thread's next turn,
        // which comes within MaxSleepMilliseconds, for a program that blocks somewhere the stack does not see.
        var stack = new NativeStack(engine, MonotonicClock.Instance) { TracksClosedConnections = true, DeferOutput = true };
        var host = new PreloadHost(device, stack, engineThread);
        if (engineThread)
        {
            device.AttachDoorbell(0, host._doorbell);
        }
        return host;
    }

    /// <summary>
    /// Runs the engine once (packets waiting on the device, due timers, output) and returns how long the caller may
    /// sleep before the next timer is due, in milliseconds (0 to <paramref name="maxMilliseconds"/>).
    /// </summary>
    public int RunOnce(int maxMilliseconds)
    {
        long next;
        lock (Stack.Gate)
        {
            Turn();
            next = Stack.Engine.NextTimerDeadline();
            if (_acksWaitingSince != 0)
            {
                // ACKs that wait for the program's work must not wait on an idle program past their bound.
                next = Math.Min(next, _acksWaitingSince + MaxAckWaitMicroseconds);
            }
        }
        long waitMicroseconds = next - Stack.Now;
        return waitMicroseconds <= 0 ? 0 : (int)Math.Min(maxMilliseconds, (waitMicroseconds + 999) / 1000);
    }

    /// <summary>
    /// Runs the engine once. Inline, a turn of the engine ends where the program's next wait begins: the quick ACK of
    /// a request is deferred past the poll that received it (the program accepts, reads and answers only after its
    /// waits return), and sent at a later wait once the program has read the request, only if the reply it wrote
    /// meanwhile did not carry it, or when it has waited <see cref="MaxAckWaitMicroseconds"/>; as the engine thread
    /// sends it after the application's work of its turn. Caller holds the gate.
    /// </summary>
    private void Turn()
    {
        if (_engineThread)
        {
            Stack.Pump();
            return;
        }
        NetworkEngine engine = Stack.Engine;
        engine.FlushPending();
        if (_acksWaitingSince != 0 && Stack.Now - _acksWaitingSince >= MaxAckWaitMicroseconds)
        {
            engine.SendEndOfTurnAcks();
        }
        else
        {
            // The program accepts in one wait and reads and answers in the next: the ACK of a request it has not read
            // yet keeps waiting (within the bound).
            engine.SendEndOfTurnAcksOfReadConnections();
        }
        Stack.Pump();
        _acksWaitingSince = !engine.HasEndOfTurnAcks ? 0 : _acksWaitingSince != 0 ? _acksWaitingSince : Stack.Now;
    }

    /// <summary>
    /// What the kernel does for a process at exit, as far as a stack inside it can: closes every socket still open,
    /// then keeps the engine going (itself in inline mode, else the engine thread does) until every connection the
    /// program closed has had its data and FIN acknowledged, at most <paramref name="maxMilliseconds"/>. Without this
    /// the last bytes a program wrote just before it exits (socat's, say) would die with the process.
    /// </summary>
    public void Exit(int maxMilliseconds)
    {
        long end = Environment.TickCount64 + maxMilliseconds;
        lock (Stack.Gate)
        {
            foreach ((int fd, object _) in Stack.Sockets.Snapshot())
            {
                _ = Sockets.SocketCalls.CloseLocked(Stack, fd);
            }
        }
        while (Environment.TickCount64 < end)
        {
            lock (Stack.Gate)
            {
                if (!_engineThread)
                {
                    Turn();
                }
                if (Stack.ClosedConnectionsSettled())
                {
                    return;
                }
            }
            Thread.Sleep(1);
        }
    }

    /// <summary>
    /// The engine loop: runs the engine under the gate (which wakes blocked calls through the sockets' handlers), then
    /// sleeps until the device rings or the next timer is due. Never returns.
    /// </summary>
    public void Run()
    {
        Func<bool> hasPackets = () => _device.HasPackets(0);
        while (true)
        {
            int sleep = RunOnce(MaxSleepMilliseconds);
            if (sleep > 0)
            {
                _doorbell.Sleep(sleep, hasPackets);
            }
        }
    }
}
