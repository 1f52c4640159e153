using Fastsocket.Bench;
using Fastsocket.Tests.Cli.Bench;

namespace Fastsocket.Tests.AspNetCore;

/// <summary>
/// One short run of each Kestrel bench target. Rates depend on the machine and what else runs, so only correctness
/// is asserted: connections completed, none failed. Runs in the kernel bench's non-parallel collection, on a
/// thread of its own, as the CLI runs targets.
/// </summary>
[Collection(KernelBenchCollection.Name)]
public sealed class KestrelBenchTargetTests
{
    [Theory]
    [InlineData(KestrelBenchTarget.FastsocketDesign)]
    [InlineData(KestrelBenchTarget.KernelDesign)]
    public async Task ShortRunCompletesConnectionsWithoutErrors(string design)
    {
        IBenchTarget target = BenchTargets.CreateDefault().Create(design);
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, duration: TimeSpan.FromSeconds(1), warmup: TimeSpan.Zero, concurrency: 4);
        var progress = new BenchProgress();
        BenchResult result = await Task.Factory.StartNew(
            () => target.Run(spec, progress, CancellationToken.None),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        Assert.Equal(design, result.Design);
        Assert.True(result.Connections > 0, $"no connection completed ({progress.Completed} completed, {progress.Errors} failed)");
        Assert.Equal(0, result.Errors);
        Assert.Equal(0, progress.Errors);
    }
}
