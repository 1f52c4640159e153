using Fastsocket.Devices;
using Fastsocket.Native.Hosting;
using Fastsocket.Stack;
using Fastsocket.Time;

namespace Fastsocket.Native.Packetdrill;

/// <summary>
/// packetdrill's side of the stack: the remote host's packets go in through an <see cref="InjectedPacketDevice"/>, the
/// stack's packets come out of it stamped with virtual time, and time moves only when packetdrill reads the clock
/// (one microsecond per read, since below 20 µs packetdrill spins on the clock) or sleeps (the full sleep, every
/// timer in between firing at its own time). Nothing here depends on the wall clock, so a run is deterministic and a
/// script spanning minutes of script time takes milliseconds.
/// </summary>
internal sealed class PacketdrillHarness : IDisposable
{
    /// <summary>A guard against a timer that re-arms itself at the same instant forever.</summary>
    private const int MaxTimerStepsPerAdvance = 1_000_000;

    private readonly VirtualClock _clock;
    private readonly InjectedPacketDevice _device;
    private readonly long _receiveDeadline;

    /// <summary>A stack configured by <paramref name="options"/>, its clock starting at <paramref name="startMicroseconds"/>.</summary>
    public PacketdrillHarness(HarnessOptions options, long startMicroseconds)
    {
        _clock = new VirtualClock(startMicroseconds);
        _device = new InjectedPacketDevice(_clock, options.Mtu);
        var engine = new NetworkEngine(new EngineOptions
        {
            LocalAddress = options.LocalAddress,
            Device = _device,
            Clock = _clock,
            Tcp = options.Tcp,
        });
        Stack = new NativeStack(engine, _clock) { StallMilliseconds = 3000 };
        _receiveDeadline = options.ReceiveDeadlineMicroseconds;
        Verbose = options.Verbose;
        _followSysctls = options.FollowSysctls;
    }

    private readonly bool _followSysctls;

    /// <summary>socket(): the sysctls the script changed in its namespace apply to the connections made from now on.</summary>
    public void OnSocketCreated()
    {
        if (_followSysctls)
        {
            lock (Stack.Gate)
            {
                NamespaceSysctls.ApplyTo(Stack.Config);
            }
        }
    }

    /// <summary>The stack the socket calls run on.</summary>
    public NativeStack Stack { get; }

    /// <summary>Log to stderr.</summary>
    public bool Verbose { get; }

    /// <summary>gettimeofday: the virtual time, moved on by one microsecond.</summary>
    public long ReadClock()
    {
        lock (Stack.Gate)
        {
            Stack.MarkDriven();
            Stack.Quiesce();
            AdvanceTo(_clock.NowMicroseconds + 1);
            return _clock.NowMicroseconds;
        }
    }

    /// <summary>usleep: moves virtual time on by <paramref name="microseconds"/>, running every timer due on the way.</summary>
    public void Sleep(long microseconds)
    {
        if (Stack.TakeWokenCalls())
        {
            // packetdrill's system-call thread finishes a blocking call (records its result and descriptor) under
            // packetdrill's own lock, which its main thread releases only while it sleeps here. A virtual sleep
            // returns at once, so give that thread a moment of real time before the script's next event runs.
            Thread.Sleep(2);
        }
        lock (Stack.Gate)
        {
            Stack.MarkDriven();
            Stack.Quiesce();
            AdvanceTo(_clock.NowMicroseconds + Math.Max(0, microseconds));
        }
    }

    /// <summary>netdev_send: one raw IP datagram from the remote host; the engine processes it at once.</summary>
    public bool Inject(ReadOnlySpan<byte> packet)
    {
        lock (Stack.Gate)
        {
            Stack.MarkDriven();
            Stack.Quiesce();
            bool taken = _device.Inject(packet);
            Stack.Pump();
            Stack.NotifyChanged();
            Stack.Quiesce();
            return taken;
        }
    }

    /// <summary>
    /// netdev_receive: the next packet the stack sends. When none is waiting, virtual time moves to each timer deadline
    /// in turn (a retransmission, a delayed ACK, a probe) until one leaves, or until the deadline of the options passes:
    /// then false, so that a script expecting a packet the stack never sends fails instead of hanging.
    /// </summary>
    public bool TryReceive(Span<byte> destination, out int length, out long timestampMicroseconds)
    {
        lock (Stack.Gate)
        {
            Stack.MarkDriven();
            Stack.Quiesce();
            Stack.Pump();
            long deadline = _clock.NowMicroseconds + _receiveDeadline;
            for (int step = 0; step < MaxTimerStepsPerAdvance; step++)
            {
                if (_device.TryTake(destination, out length, out timestampMicroseconds))
                {
                    if (Verbose)
                    {
                        Interop.NativeLog.Write($"netdev_receive {length} bytes at {timestampMicroseconds}");
                    }
                    return true;
                }
                long next = Stack.Engine.NextTimerDeadline();
                if (next > deadline)
                {
                    break;
                }
                AdvanceTo(Math.Max(next, _clock.NowMicroseconds + 1));
            }
            length = 0;
            timestampMicroseconds = _clock.NowMicroseconds;
            return false;
        }
    }

    /// <summary>The receive deadline in seconds, for the message when it passes.</summary>
    public double ReceiveDeadlineSeconds => _receiveDeadline / 1e6;

    private void AdvanceTo(long target)
    {
        for (int step = 0; step < MaxTimerStepsPerAdvance; step++)
        {
            long next = Stack.Engine.NextTimerDeadline();
            if (next > target)
            {
                break;
            }
            long now = _clock.NowMicroseconds;
            _clock.AdvanceTo(Math.Max(next, now));
            Stack.Pump();
            Stack.NotifyChanged();
            Stack.Quiesce();
            if (Stack.Engine.NextTimerDeadline() <= _clock.NowMicroseconds)
            {
                // A timer asked to run again at this very instant: let a microsecond pass so the loop moves on.
                _clock.Advance(1);
            }
        }
        _clock.AdvanceTo(target);
        Stack.Pump();
        Stack.NotifyChanged();
        Stack.Quiesce();
    }

    /// <summary>Closes what the script left open.</summary>
    public void Dispose() => Stack.Dispose();
}
