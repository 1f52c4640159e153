using System.Diagnostics;
using System.Globalization;

namespace Fastsocket.Bench;

/// <summary>
/// Runs the plans one after another, each target on a thread of its own, reporting progress to an
/// <see cref="IBenchObserver"/> (the CLI's live display, <see cref="BenchLogObserver"/>, or a caller's own).
/// Cancelling stops after the current run (which ends early) and returns what was measured.
/// </summary>
public sealed class BenchRunner
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

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

    /// <summary>A runner that creates each plan's target from <paramref name="targets"/>.</summary>
    /// <param name="targets">The registry of designs the plans name.</param>
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

    /// <summary>
    /// Runs <paramref name="plans"/> in order, telling <paramref name="observer"/> as each starts, progresses and ends,
    /// and returns the results of the runs that finished. Cancelling ends the current run early (its result, measured
    /// over the time it had, is kept) and starts no more.
    /// </summary>
    public IReadOnlyList<BenchResult> Run(IReadOnlyList<BenchPlan> plans, IBenchObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plans);
        ArgumentNullException.ThrowIfNull(observer);
        var results = new List<BenchResult>();
        foreach (var plan in plans)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            observer.RunStarted(plan);
            var result = Execute(plan, tick => observer.RunProgressed(plan, tick), cancellationToken);
            if (result is null)
            {
                observer.RunFailed(plan, Failure!);
                break;
            }

            observer.RunFinished(plan, result);
            results.Add(result);
        }

        return results;
    }

    /// <summary>Runs with a line per finished run on <paramref name="log"/> (stderr, typically): <see cref="BenchLogObserver"/>.</summary>
    public IReadOnlyList<BenchResult> RunQuiet(IReadOnlyList<BenchPlan> plans, TextWriter log, CancellationToken cancellationToken) =>
        Run(plans, new BenchLogObserver(log), cancellationToken);

    /// <summary>The figures that say where a row's time went: <see cref="BenchLogObserver.Mechanism"/>.</summary>
    internal static string Mechanism(BenchResult result) => BenchLogObserver.Mechanism(result);

    /// <summary>One run; null (with <see cref="Failure"/> set) when it did not finish within its time and the hang allowance.</summary>
    private BenchResult? Execute(BenchPlan plan, Action<BenchTick> update, CancellationToken cancellationToken)
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
            var elapsed = loadStarted is null ? TimeSpan.Zero : sinceLoad;
            update(new BenchTick(elapsed, elapsed < plan.Spec.Warmup, rate, completed, progress.Errors));
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
