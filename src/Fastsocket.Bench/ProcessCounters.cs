using System.Diagnostics;

namespace Fastsocket.Bench;

/// <summary>
/// The process-wide figures a run reports per connection (managed allocation, GC pauses), read at one moment with
/// the connections completed by then. Two readings bracket the measured window, so set-up (rings, tables, pools)
/// and warm-up do not count as per-connection cost.
/// </summary>
internal readonly record struct ProcessCounters(long Timestamp, long AllocatedBytes, TimeSpan GcPaused, long Completed)
{
    public static ProcessCounters Read(BenchProgress progress) =>
        new(Stopwatch.GetTimestamp(), GC.GetTotalAllocatedBytes(precise: false), GC.GetTotalPauseDuration(), progress.Completed);

    public static double? AllocatedBytesPerConnection(ProcessCounters start, ProcessCounters end)
    {
        long completed = end.Completed - start.Completed;
        return completed > 0 ? Math.Round((end.AllocatedBytes - start.AllocatedBytes) / (double)completed, 1) : null;
    }

    public static double? GcPauseShare(ProcessCounters start, ProcessCounters end)
    {
        TimeSpan wall = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp);
        return wall > TimeSpan.Zero ? Math.Round((end.GcPaused - start.GcPaused) / wall, 4) : null;
    }
}
