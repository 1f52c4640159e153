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

    /// <summary>
    /// How long a run may take beyond its warm-up, duration and drain before it counts as hung: time for the load
    /// loops' own deadline and for tearing both stacks down.
    /// </summary>
    public static readonly TimeSpan HangAllowance = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a target may take to set up (stacks, rings, idle connections: opening 200,000 of them may take two
    /// minutes) before it starts its load, after which it counts as hung.
    /// </summary>
    public static readonly TimeSpan SetupAllowance = TimeSpan.FromSeconds(180);
    private readonly BenchTargets _targets;

    private readonly TimeSpan _hangAllowance;

    private readonly TimeSpan _setupAllowance;

    /// <param name="hangAllowance">Overrides <see cref="HangAllowance"/> (tests).</param>
    /// <param name="setupAllowance">Overrides <see cref="SetupAllowance"/> (tests).</param>
    public BenchRunner(BenchTargets targets, TimeSpan? hangAllowance = null, TimeSpan? setupAllowance = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        _targets = targets;
        _hangAllowance = hangAllowance ?? HangAllowance;
        _setupAllowance = setupAllowance ?? SetupAllowance;
    }

    /// <summary>
    /// Why the runner stopped before the last plan, when a run hung: nothing after a hung run is trustworthy (its
    /// threads still hold their cores), so the runner returns what finished before it. Null when every run ended.
    /// </summary>
    public string? Failure { get; private set; }

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
                    if (result is null)
                    {
                        task.Description = Markup.Escape($"{plan.Label}  did not finish");
                        task.StopTask();
                        return;
                    }
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
            if (result is null)
            {
                log.WriteLine($"bench: {plan.Label}: {Failure}");
                break;
            }
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: {plan.Label}: {result.Cps:F0} conn/s, p99 {result.P99Us:F0} us, {result.Errors} errors{Mechanism(result)}"));
            results.Add(result);
        }

        return results;
    }

    /// <summary>
    /// The figures that say where a row's time went, for the log line of a quiet run (a lent machine's printed
    /// output is often all that comes back): empty for targets that report none of them.
    /// </summary>
    internal static string Mechanism(BenchResult result)
    {
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

    /// <summary>One run; null (with <see cref="Failure"/> set) when it did not finish within its time and the hang allowance.</summary>
    private BenchResult? Execute(BenchPlan plan, Action<TimeSpan, double, BenchProgress> update, CancellationToken cancellationToken)
    {
        var target = _targets.Create(plan.Design);
        var progress = new BenchProgress();
        var runStart = ProcessCounters.Read(progress);
        ProcessCounters? windowStart = null;
        ProcessCounters? windowEnd = null;

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
        // Timed from the moment the target starts its load, so its set-up counts in neither the window nor the deadline.
        var loadDeadline = plan.Spec.Warmup + plan.Spec.Duration + BenchLoadGenerator.DrainGrace + _hangAllowance;
        while (!run.Wait((int)RefreshInterval.TotalMilliseconds, CancellationToken.None))
        {
            var now = Stopwatch.GetTimestamp();
            var loadStarted = progress.LoadStartedAt;
            var sinceLoad = loadStarted is { } at ? Stopwatch.GetElapsedTime(at, now) : TimeSpan.Zero;
            if (loadStarted is null ? Stopwatch.GetElapsedTime(start, now) > _setupAllowance : sinceLoad > loadDeadline)
            {
                Failure = loadStarted is null
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"{plan.Label} did not start its load within {_setupAllowance.TotalSeconds:F0} s of set-up (hung); the runs after it were not started")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"{plan.Label} did not finish within {loadDeadline.TotalSeconds:F0} s of starting its load (hung); the runs after it were not started");
                return null;
            }

            var completed = progress.Completed;
            var rate = (completed - lastCompleted) * (double)Stopwatch.Frequency / Math.Max(1, now - lastTime);
            // Read within one refresh of the window's edges, which is close enough for per-connection figures.
            if (loadStarted is not null && windowStart is null && sinceLoad >= plan.Spec.Warmup)
            {
                windowStart = ProcessCounters.Read(progress);
            }
            if (loadStarted is not null && windowEnd is null && sinceLoad >= plan.Spec.Warmup + plan.Spec.Duration)
            {
                windowEnd = ProcessCounters.Read(progress);
            }
            // The display and the sustained-run log count from the load's start: set-up is neither warm-up nor window.
            update(loadStarted is null ? TimeSpan.Zero : sinceLoad, rate, progress);
            lastTime = now;
            lastCompleted = completed;
        }

        var result = run.GetAwaiter().GetResult();
        // A run that ended before its window opened (or closed) falls back to the whole run (or to its end).
        var from = windowStart ?? runStart;
        var to = windowEnd ?? ProcessCounters.Read(progress);
        result = result with
        {
            AllocatedBytesPerConnection = ProcessCounters.AllocatedBytesPerConnection(from, to),
            GcPauseShare = ProcessCounters.GcPauseShare(from, to),
        };
        if (result.Design != plan.Design)
        {
            // The table and ratios key on the requested name; a target reporting another one is a bug there.
            result = result with { Design = plan.Design };
        }

        return result;
    }
}
