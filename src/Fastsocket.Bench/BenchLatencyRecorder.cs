using System.Diagnostics;
using HdrHistogram;

namespace Fastsocket.Bench;

/// <summary>
/// Thread-safe latency histogram in microseconds (HdrHistogram, 3 significant digits, up to one hour).
/// Values above the range are clamped rather than thrown on, so one pathological connection cannot
/// abort a run.
/// </summary>
public sealed class BenchLatencyRecorder
{
    private const long HighestTrackableUs = 3_600_000_000;
    private readonly LongConcurrentHistogram _histogram = new(1, HighestTrackableUs, 3);

    /// <summary>Latencies recorded so far.</summary>
    public long Count => _histogram.TotalCount;

    /// <summary>Records the time between two <see cref="Stopwatch.GetTimestamp"/> readings.</summary>
    public void RecordTicks(long startTimestamp, long endTimestamp)
    {
        var microseconds = (long)((endTimestamp - startTimestamp) * 1_000_000.0 / Stopwatch.Frequency);
        RecordMicroseconds(microseconds);
    }

    /// <summary>Records one latency; values are clamped to 1 µs through one hour. Safe from any thread.</summary>
    public void RecordMicroseconds(long microseconds) =>
        _histogram.RecordValue(Math.Clamp(microseconds, 1, HighestTrackableUs));

    /// <summary>Adds every latency <paramref name="other"/> recorded (for recorders kept per core and merged at the end).</summary>
    public void Add(BenchLatencyRecorder other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _histogram.Add(other._histogram);
    }

    /// <summary>The value at <paramref name="percentile"/> (0 to 100) in microseconds; 0 when nothing was recorded.</summary>
    public double PercentileUs(double percentile) =>
        _histogram.TotalCount == 0 ? 0 : _histogram.GetValueAtPercentile(percentile);
}
