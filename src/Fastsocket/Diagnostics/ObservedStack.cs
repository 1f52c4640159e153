using Fastsocket.Stack;
using Fastsocket.Wire;

namespace Fastsocket.Diagnostics;

/// <summary>
/// A running stack as the <c>Fastsocket</c> meter sees it: sums of its engines' counters, read from another thread
/// when a listener collects (the engines write them with plain increments and never notice), and what the busy
/// ratio needs to remember between two observations.
/// </summary>
internal sealed class ObservedStack
{
    private readonly Lock _windowLock = new();
    private readonly long _startMicroseconds;
    private readonly long[] _startIdle;
    private readonly long[] _windowStartMicroseconds;
    private readonly long[] _windowStartIdle;
    private readonly double[] _lastBusyRatio;
    private readonly double[] _busySecondsReported;

    public ObservedStack(FastsocketStack stack)
    {
        Stack = stack;
        int cores = stack.CoreCount;
        _startMicroseconds = Now;
        _windowStartMicroseconds = new long[cores];
        _windowStartIdle = new long[cores];
        _lastBusyRatio = new double[cores];
        _startIdle = new long[cores];
        _busySecondsReported = new double[cores];
        for (int core = 0; core < cores; core++)
        {
            _windowStartMicroseconds[core] = _startMicroseconds;
            _startIdle[core] = stack.Core(core).IdleMicroseconds;
            _windowStartIdle[core] = _startIdle[core];
        }
    }

    public FastsocketStack Stack { get; }

    public string Name => Stack.Name;

    private long Now => Stack.Options.Clock.NowMicroseconds;

    /// <summary>One counter summed over the engines (a snapshot: the engines keep running).</summary>
    public long Sum(Func<EngineStatistics, long> counter)
    {
        long total = 0;
        foreach (EngineCore core in Stack.Cores)
        {
            total += counter(core.Engine.Statistics);
        }
        return total;
    }

    /// <summary>Drops of one reason summed over the engines.</summary>
    public long Drops(DropReason reason)
    {
        long total = 0;
        foreach (EngineCore core in Stack.Cores)
        {
            total += core.Engine.Statistics.Drops[reason];
        }
        return total;
    }

    /// <summary>Connections the engines hold in their tables (handshaking, established or closing; not TIME-WAIT).</summary>
    public long Connections
    {
        get
        {
            long total = 0;
            foreach (EngineCore core in Stack.Cores)
            {
                total += core.Engine.ConnectionCount;
            }
            return total;
        }
    }

    /// <summary>TIME-WAIT records the engines keep.</summary>
    public long TimeWait
    {
        get
        {
            long total = 0;
            foreach (EngineCore core in Stack.Cores)
            {
                total += core.Engine.TimeWaitCount;
            }
            return total;
        }
    }

    /// <summary>
    /// Seconds, on the stack's clock, that a core's loop has spent with work since the stack started; never less than
    /// the previous answer, as a counter must be (the idle time and the clock are read a moment apart, so a fresh
    /// difference can come out a few microseconds short of an earlier one).
    /// </summary>
    public double BusySeconds(int core)
    {
        long idle = Stack.Core(core).IdleMicroseconds - _startIdle[core];
        long elapsed = Now - _startMicroseconds;
        double busy = Math.Max(0, elapsed - idle) / 1_000_000.0;
        lock (_windowLock)
        {
            _busySecondsReported[core] = Math.Max(_busySecondsReported[core], busy);
            return _busySecondsReported[core];
        }
    }

    /// <summary>
    /// Share (0 to 1) of the time since the previous call for this core (or since the stack started) that the core's
    /// loop had work: 1 minus its idle time over the elapsed time, both on the stack's clock. When no time has passed
    /// since the previous call, the previous share again.
    /// </summary>
    public double BusyRatio(int core)
    {
        long now = Now;
        long idle = Stack.Core(core).IdleMicroseconds;
        lock (_windowLock)
        {
            long elapsed = now - _windowStartMicroseconds[core];
            if (elapsed <= 0)
            {
                return _lastBusyRatio[core];
            }
            double idleShare = (idle - _windowStartIdle[core]) / (double)elapsed;
            double ratio = Math.Clamp(1 - idleShare, 0, 1);
            _windowStartMicroseconds[core] = now;
            _windowStartIdle[core] = idle;
            _lastBusyRatio[core] = ratio;
            return ratio;
        }
    }
}
