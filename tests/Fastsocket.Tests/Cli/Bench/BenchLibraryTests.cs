using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>
/// The benchmark as a library: a short bench driven through Fastsocket.Bench alone, with no CLI type in sight, as a
/// program embedding it would.
/// </summary>
public sealed class BenchLibraryTests
{
    [Fact]
    public void A_short_bench_runs_through_the_library_alone_and_reports_to_its_observer()
    {
        // Ended by its connection cap (shared between the eight loops), long before the duration, so it stays short.
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, duration: TimeSpan.FromSeconds(60), warmup: TimeSpan.Zero,
            concurrency: 8, maxConnections: 800);
        IReadOnlyList<BenchPlan> plans = BenchPlan.Build(["fastsocket"], [1], spec);
        var observer = new RecordingObserver();

        var runner = new BenchRunner(BenchTargets.CreateDefault());
        IReadOnlyList<BenchResult> results = runner.Run(plans, observer, CancellationToken.None);

        Assert.Null(runner.Failure);
        BenchResult result = Assert.Single(results);
        Assert.Equal("fastsocket", result.Design);
        Assert.Equal(0, result.Errors);
        Assert.Equal(800, result.Connections);
        Assert.True(result.Cps > 0);
        Assert.Equal(["started fastsocket", "finished fastsocket"], observer.Events);
        Assert.Same(result, observer.Finished);

        string json = BenchJsonWriter.ToJson(new BenchReport(results, BenchMachine.Current()));
        Assert.Contains("\"design\": \"fastsocket\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cancelled_bench_keeps_the_run_it_cut_short_and_starts_no_more()
    {
        using var cancel = new CancellationTokenSource();
        var targets = new BenchTargets();
        var cutShort = 0;
        targets.Register("first", () => new CancellingTarget("first", cancel, () => cutShort++));
        targets.Register("second", () => new CancellingTarget("second", cancel, () => cutShort++));
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, duration: TimeSpan.FromSeconds(1), warmup: TimeSpan.Zero);
        var observer = new RecordingObserver();

        IReadOnlyList<BenchResult> results = new BenchRunner(targets)
            .Run(BenchPlan.Build(["first", "second"], [1], spec), observer, cancel.Token);

        Assert.Equal("first", Assert.Single(results).Design);
        Assert.Equal(1, cutShort);
        Assert.Equal(["started first", "finished first"], observer.Events);
    }

    [Fact]
    public void The_library_needs_no_console_plotting_or_command_line_package()
    {
        string[] referenced = typeof(BenchRunner).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.DoesNotContain(referenced, name => name.StartsWith("Spectre", StringComparison.Ordinal));
        Assert.DoesNotContain(referenced, name => name.StartsWith("ScottPlot", StringComparison.Ordinal));
        Assert.DoesNotContain(referenced, name => name.StartsWith("System.CommandLine", StringComparison.Ordinal));
        Assert.DoesNotContain(referenced, name => name.StartsWith("Fastsocket.Cli", StringComparison.Ordinal));
    }

    private sealed class RecordingObserver : IBenchObserver
    {
        public List<string> Events { get; } = [];

        public BenchResult? Finished { get; private set; }

        public void RunStarted(BenchPlan plan) => Events.Add($"started {plan.Design}");

        public void RunProgressed(BenchPlan plan, BenchTick tick)
        {
        }

        public void RunFinished(BenchPlan plan, BenchResult result)
        {
            Events.Add($"finished {plan.Design}");
            Finished = result;
        }

        public void RunFailed(BenchPlan plan, string reason) => Events.Add($"failed {plan.Design}");
    }

    /// <summary>Stands for a user's Ctrl-C arriving during its run: cancels, then reports what it measured so far.</summary>
    private sealed class CancellingTarget(string design, CancellationTokenSource cancel, Action onRun) : IBenchTarget
    {
        public string Design { get; } = design;

        public BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
        {
            onRun();
            progress.MarkLoadStarted(System.Diagnostics.Stopwatch.GetTimestamp());
            cancel.Cancel();
            Assert.True(cancellationToken.IsCancellationRequested);
            return new BenchResult
            {
                Design = Design, ServerCores = spec.ServerCores, ClientCores = spec.ClientCores,
                Connections = 100, Seconds = 0.5, P50Us = 1, P99Us = 2, P999Us = 3, Errors = 0,
            };
        }
    }
}
