using Fastsocket.Bench;
using Fastsocket.Tests.Stack;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>
/// The runner's per-connection window reads process-wide allocation, so these tests run alone: other tests running at
/// the same time would add their own allocations to the window.
/// </summary>
[Collection(MeasurementCollection.Name)]
public sealed class BenchWindowTests
{
    [Fact]
    public void Set_up_before_the_load_is_not_in_the_window()
    {
        var targets = new BenchTargets();
        targets.Register("base", () => new SlowSetUpTarget(TimeSpan.FromSeconds(1.5)));
        var spec = new BenchRunSpec(1, 1, TimeSpan.FromSeconds(0.3), TimeSpan.Zero, 1);
        var runner = new BenchRunner(targets, hangAllowance: TimeSpan.FromMilliseconds(200), setupAllowance: TimeSpan.FromSeconds(10));
        using var log = new StringWriter();

        IReadOnlyList<BenchResult> results = runner.RunQuiet(BenchPlan.Build(["base"], [1], spec), log, CancellationToken.None);

        Assert.Null(runner.Failure);
        BenchResult result = Assert.Single(results);
        // The window is the load's: it saw its connections (a window timed from the run's start saw none) and
        // none of set-up's 64 MB.
        Assert.NotNull(result.AllocatedBytesPerConnection);
        Assert.True(result.AllocatedBytesPerConnection < 100_000, $"{result.AllocatedBytesPerConnection} bytes per connection");
    }

    /// <summary>A target that allocates and waits before its load, as a stack target builds its rings and tables.</summary>
    private sealed class SlowSetUpTarget(TimeSpan setUp) : IBenchTarget
    {
        public string Design => "base";

        public BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
        {
            // Past where a window timed from the run's start would already have closed, set-up allocates 64 MB.
            Thread.Sleep(setUp);
            var garbage = new List<byte[]>();
            for (int i = 0; i < 64; i++)
            {
                garbage.Add(new byte[1 << 20]);
            }
            GC.KeepAlive(garbage);
            progress.MarkLoadStarted(System.Diagnostics.Stopwatch.GetTimestamp());
            var end = DateTime.UtcNow + spec.Duration;
            long connections = 0;
            while (DateTime.UtcNow < end)
            {
                progress.AddCompleted();
                connections++;
                Thread.Sleep(1);
            }
            return new BenchResult
            {
                Design = Design,
                ServerCores = spec.ServerCores,
                ClientCores = spec.ClientCores,
                Connections = connections,
                Seconds = spec.Duration.TotalSeconds,
                P50Us = 1,
                P99Us = 1,
                P999Us = 1,
                Errors = 0,
            };
        }
    }
}
