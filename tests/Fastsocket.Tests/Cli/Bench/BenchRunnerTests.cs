using Fastsocket.Cli.Bench;

namespace Fastsocket.Tests.Cli.Bench;

public sealed class BenchRunnerTests
{
    [Fact]
    public void A_hung_run_stops_the_runner_with_the_runs_before_it_kept()
    {
        using var release = new ManualResetEventSlim(false);
        var after = new FakeBenchTarget("fastsocket", 20_000);
        var targets = new BenchTargets();
        targets.Register("base", () => new FakeBenchTarget("base", 5_000));
        targets.Register("reuseport", () => new HungBenchTarget(release));
        targets.Register("fastsocket", () => after);
        var spec = new BenchRunSpec(1, 1, TimeSpan.FromSeconds(0.05), TimeSpan.Zero, 1);
        var plans = BenchPlan.Build(["base", "reuseport", "fastsocket"], [1], spec);
        var runner = new BenchRunner(targets, hangAllowance: TimeSpan.FromMilliseconds(200));
        using var log = new StringWriter();
        try
        {
            IReadOnlyList<BenchResult> results = runner.RunQuiet(plans, log, CancellationToken.None);

            Assert.Equal(["base"], results.Select(r => r.Design));
            Assert.Empty(after.Runs);
            Assert.NotNull(runner.Failure);
            Assert.Contains("reuseport", runner.Failure, StringComparison.Ordinal);
            Assert.Contains("did not finish", runner.Failure, StringComparison.Ordinal);
            Assert.Contains("did not finish", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public void Runs_that_end_leave_no_failure()
    {
        var runner = new BenchRunner(BenchCliTestSupport.FakeRegistry());
        var spec = new BenchRunSpec(1, 1, TimeSpan.FromSeconds(0.05), TimeSpan.Zero, 1);
        using var log = new StringWriter();

        IReadOnlyList<BenchResult> results = runner.RunQuiet(BenchPlan.Build(["base", "fastsocket"], [1, 2], spec), log, CancellationToken.None);

        Assert.Equal(4, results.Count);
        Assert.Null(runner.Failure);
    }

    /// <summary>A target whose run never ends on its own, as the one that hung on two engines waiting for each other.</summary>
    private sealed class HungBenchTarget(ManualResetEventSlim release) : IBenchTarget
    {
        public string Design => "reuseport";

        public BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
        {
            // Deaf to cancellation on purpose: a hung run does not answer it either.
            release.Wait(TimeSpan.FromMinutes(2), CancellationToken.None);
            throw new InvalidOperationException("released");
        }
    }
}
