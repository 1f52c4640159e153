using System.Globalization;

namespace Fastsocket.Bench;

/// <summary>
/// Progress as plain text lines: one per finished or failed run, and every half minute of a long run its rate over
/// that half minute (a lent machine's printed output is often all that comes back, so it must show whether the rate
/// held). For logs, redirected output and scripts.
/// </summary>
public sealed class BenchLogObserver : IBenchObserver
{
    private static readonly TimeSpan SustainedReportInterval = TimeSpan.FromSeconds(30);

    private readonly TextWriter _log;
    private TimeSpan _lastReport;
    private long _completedAtLastReport;

    /// <summary>Writes to <paramref name="log"/> (stderr, typically).</summary>
    public BenchLogObserver(TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        _log = log;
    }

    /// <inheritdoc />
    public void RunStarted(BenchPlan plan)
    {
        _lastReport = TimeSpan.Zero;
        _completedAtLastReport = 0;
    }

    /// <inheritdoc />
    public void RunProgressed(BenchPlan plan, BenchTick tick)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var span = tick.Elapsed - _lastReport;
        if (span < SustainedReportInterval)
        {
            return;
        }

        _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: {plan.Label}: {tick.Elapsed.TotalSeconds:F0} s, {(tick.Completed - _completedAtLastReport) / span.TotalSeconds:F0} conn/s over the last {span.TotalSeconds:F0} s, {tick.Errors} errors, {GC.GetTotalMemory(false) / (1 << 20)} MB managed heap"));
        _lastReport = tick.Elapsed;
        _completedAtLastReport = tick.Completed;
    }

    /// <inheritdoc />
    public void RunFinished(BenchPlan plan, BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(result);
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: {plan.Label}: {result.Cps:F0} conn/s, p99 {result.P99Us:F0} us, {result.Errors} errors{Mechanism(result)}"));
    }

    /// <inheritdoc />
    public void RunFailed(BenchPlan plan, string reason)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _log.WriteLine($"bench: {plan.Label}: {reason}");
    }

    /// <summary>
    /// The figures that say where a row's time went, for a finished run's line: empty for targets that report none
    /// of them.
    /// </summary>
    public static string Mechanism(BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var parts = new List<string>();
        var c = CultureInfo.InvariantCulture;
        if (result.ServerIdleShare is { } serverIdle && result.ClientIdleShare is { } clientIdle)
        {
            parts.Add(string.Create(c, $"idle {serverIdle:P0} server, {clientIdle:P0} client"));
        }
        if (result.EngineRunQueueWaitShare is { } wait)
        {
            parts.Add(string.Create(c, $"run-queue wait {wait:P0}"));
        }
        if (result.WirePacketsPerBatch is { } batch)
        {
            parts.Add(string.Create(c, $"{batch:F1} packets/batch"));
        }
        if (result.EngineSleepsPerConnection is { } sleeps)
        {
            parts.Add(string.Create(c, $"{sleeps:F3} sleeps/conn"));
        }
        if (result.AllocatedBytesPerConnection is { } allocated)
        {
            parts.Add(string.Create(c, $"{allocated:F1} B/conn allocated"));
        }
        if (result.GcPauseShare is { } gc)
        {
            parts.Add(string.Create(c, $"GC paused {gc:P1}"));
        }
        return parts.Count == 0 ? string.Empty : "; " + string.Join(", ", parts);
    }
}
