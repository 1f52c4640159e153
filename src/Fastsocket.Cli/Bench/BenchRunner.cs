using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Fastsocket.Cli.Bench;

/// <summary>
/// Runs the plans one after another, each target on a thread of its own, while showing progress:
/// a live Spectre.Console display with the current rate on a terminal, otherwise one line per finished
/// run on the given log writer. Cancelling stops after the current run (which ends early) and returns
/// what was measured.
/// </summary>
public sealed class BenchRunner
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan SustainedReportInterval = TimeSpan.FromSeconds(30);
    private readonly BenchTargets _targets;

    public BenchRunner(BenchTargets targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        _targets = targets;
    }

    /// <summary>Runs with a live display on <paramref name="live"/>.</summary>
    public IReadOnlyList<BenchResult> RunLive(IReadOnlyList<BenchPlan> plans, IAnsiConsole live, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plans);
        ArgumentNullException.ThrowIfNull(live);
        var results = new List<BenchResult>();
        live.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .Start(context =>
            {
                foreach (var plan in plans)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }

                    var total = (plan.Spec.Warmup + plan.Spec.Duration).TotalSeconds;
                    var task = context.AddTask(Markup.Escape(plan.Label), maxValue: total);
                    var result = Execute(plan, (elapsed, rate, progress) =>
                    {
                        task.Value = Math.Min(elapsed.TotalSeconds, total);
                        var phase = elapsed < plan.Spec.Warmup ? "warmup" : "measure";
                        task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                            $"{plan.Label}  {phase} {rate,9:N0} conn/s  {progress.Errors} errors"));
                    }, cancellationToken);
                    task.Value = total;
                    task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"{plan.Label}  {result.Cps,9:N0} conn/s  {result.Errors} errors"));
                    task.StopTask();
                    results.Add(result);
                }
            });
        return results;
    }

    /// <summary>Runs with a line per finished run on <paramref name="log"/> (stderr, typically).</summary>
    public IReadOnlyList<BenchResult> RunQuiet(IReadOnlyList<BenchPlan> plans, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plans);
        ArgumentNullException.ThrowIfNull(log);
        var results = new List<BenchResult>();
        foreach (var plan in plans)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            // Long runs report their rate every half minute, so a log shows whether the rate held.
            var lastReport = TimeSpan.Zero;
            var completedAtLastReport = 0L;
            var result = Execute(plan, (elapsed, _, progress) =>
            {
                if (elapsed - lastReport < SustainedReportInterval)
                {
                    return;
                }

                var completed = progress.Completed;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"bench: {plan.Label}: {elapsed.TotalSeconds:F0} s, {(completed - completedAtLastReport) / (elapsed - lastReport).TotalSeconds:F0} conn/s over the last {(elapsed - lastReport).TotalSeconds:F0} s, {progress.Errors} errors, {GC.GetTotalMemory(false) / (1 << 20)} MB managed heap"));
                lastReport = elapsed;
                completedAtLastReport = completed;
            }, cancellationToken);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: {plan.Label}: {result.Cps:F0} conn/s, p99 {result.P99Us:F0} us, {result.Errors} errors"));
            results.Add(result);
        }

        return results;
    }

    private BenchResult Execute(BenchPlan plan, Action<TimeSpan, double, BenchProgress> update, CancellationToken cancellationToken)
    {
        var target = _targets.Create(plan.Design);
        var progress = new BenchProgress();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var pausedBefore = GC.GetTotalPauseDuration();

        // A thread of its own: targets may block in Run, and the thread pool stays free for their sockets.
        // On cancellation the target ends early by itself, so the wait below always waits for it.
        var run = Task.Factory.StartNew(
            () => target.Run(plan.Spec, progress, cancellationToken),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        var start = Stopwatch.GetTimestamp();
        var lastTime = start;
        var lastCompleted = 0L;
        while (!run.Wait((int)RefreshInterval.TotalMilliseconds, CancellationToken.None))
        {
            var now = Stopwatch.GetTimestamp();
            var completed = progress.Completed;
            var rate = (completed - lastCompleted) * (double)Stopwatch.Frequency / Math.Max(1, now - lastTime);
            update(Stopwatch.GetElapsedTime(start, now), rate, progress);
            lastTime = now;
            lastCompleted = completed;
        }

        var result = run.GetAwaiter().GetResult();
        var wall = Stopwatch.GetElapsedTime(start);
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        var paused = GC.GetTotalPauseDuration() - pausedBefore;
        result = result with
        {
            AllocatedBytesPerConnection = progress.Completed > 0 ? Math.Round(allocated / (double)progress.Completed, 1) : null,
            GcPauseShare = wall > TimeSpan.Zero ? Math.Round(paused / wall, 4) : null,
        };
        if (result.Design != plan.Design)
        {
            // The table and ratios key on the requested name; a target reporting another one is a bug there.
            result = result with { Design = plan.Design };
        }

        return result;
    }
}
