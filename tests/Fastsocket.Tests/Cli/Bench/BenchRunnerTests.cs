using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench;

public sealed class BenchRunnerTests
{
    [Theory]
    [InlineData(true, "did not finish")]
    [InlineData(false, "did not start its load")]
    public void A_hung_run_stops_the_runner_with_the_runs_before_it_kept(bool startsLoad, string message)
    {
        using var release = new ManualResetEventSlim(false);
        var after = new FakeBenchTarget("fastsocket", 20_000);
        var targets = new BenchTargets();
        targets.Register("base", () => new FakeBenchTarget("base", 5_000));
        targets.Register("reuseport", () => new HungBenchTarget(release, startsLoad));
        targets.Register("fastsocket", () => after);
        var spec = new BenchRunSpec(1, 1, TimeSpan.FromSeconds(0.05), TimeSpan.Zero, 1);
        var plans = BenchPlan.Build(["base", "reuseport", "fastsocket"], [1], spec);
        var runner = new BenchRunner(targets, hangAllowance: TimeSpan.FromMilliseconds(200), setupAllowance: TimeSpan.FromSeconds(1));
        using var log = new StringWriter();
        try
        {
            IReadOnlyList<BenchResult> results = runner.RunQuiet(plans, log, CancellationToken.None);

            Assert.Equal(["base"], results.Select(r => r.Design));
            Assert.Empty(after.Runs);
            Assert.NotNull(runner.Failure);
            Assert.Contains("reuseport", runner.Failure, StringComparison.Ordinal);
            Assert.Contains(message, runner.Failure, StringComparison.Ordinal);
            Assert.Contains(message, log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public void The_quiet_log_line_carries_the_figures_that_explain_a_rate()
    {
        var bare = new BenchResult
        {
            Design = "kernel", ServerCores = 1, ClientCores = 1, Connections = 1, Seconds = 1, P50Us = 1, P99Us = 1, P999Us = 1, Errors = 0,
        };
        Assert.Equal(string.Empty, BenchRunner.Mechanism(bare));

        string line = BenchRunner.Mechanism(bare with
        {
            ServerIdleShare = 0.25,
            ClientIdleShare = 0.5,
            EngineRunQueueWaitShare = 0.01,
            WirePacketsPerBatch = 5.75,
            EngineSleepsPerConnection = 0.012,
            AllocatedBytesPerConnection = 0,
            GcPauseShare = 0,
        });
        Assert.Equal("; idle 25 % server, 50 % client, run-queue wait 1 %, 5.8 packets/batch, 0.012 sleeps/conn, 0.0 B/conn allocated, GC paused 0.0 %", line);
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
    private sealed class HungBenchTarget(ManualResetEventSlim release, bool startsLoad) : IBenchTarget
    {
        public string Design => "reuseport";

        public BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
        {
            if (startsLoad)
            {
                progress.MarkLoadStarted(System.Diagnostics.Stopwatch.GetTimestamp());
            }

            // Deaf to cancellation on purpose: a hung run does not answer it either.
            release.Wait(TimeSpan.FromMinutes(2), CancellationToken.None);
            throw new InvalidOperationException("released");
        }
    }
}
