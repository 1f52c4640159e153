using System.Diagnostics;

namespace Fastsocket.Time;

/// <summary>The real monotonic clock (Stopwatch), for running stacks outside tests.</summary>
public sealed class MonotonicClock : IClock
{
    /// <summary>The one instance (the clock has no state).</summary>
    public static readonly MonotonicClock Instance = new();

    private static readonly double MicrosPerTick = 1_000_000.0 / Stopwatch.Frequency;

    /// <inheritdoc/>
    public long NowMicroseconds => (long)(Stopwatch.GetTimestamp() * MicrosPerTick);
}
