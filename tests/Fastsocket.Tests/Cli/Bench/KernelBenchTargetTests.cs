using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>
/// One short real run over the kernel's loopback TCP. Rates depend on the machine and on whatever else
/// is running, so only correctness is asserted: connections completed, none failed. Runs alone (its
/// collection disables parallelization) and on a thread of its own, as the CLI runs targets: with
/// other tests blocking the few thread-pool threads a 2-core machine starts with, socket completions
/// waited for thread injection and the whole one-second window went by with no connection finished.
/// </summary>
[Collection(KernelBenchCollection.Name)]
public sealed class KernelBenchTargetTests
{
    [Fact]
    public async Task Short_kernel_run_completes_connections_without_errors()
    {
        // On Linux the SO_REUSEPORT variant with two listeners covers the most code: raw socket option,
        // several listeners on one port, several accept loops.
        var reusePort = OperatingSystem.IsLinux();
        var target = new KernelBenchTarget(reusePort);
        var spec = new BenchRunSpec(serverCores: reusePort ? 2 : 1, clientCores: 1,
            duration: TimeSpan.FromSeconds(1), warmup: TimeSpan.Zero, concurrency: 4);
        var progress = new BenchProgress();

        var result = await Task.Factory.StartNew(
            () => target.Run(spec, progress, CancellationToken.None),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        Assert.Equal(reusePort ? "kernel-reuseport" : "kernel", result.Design);
        Assert.True(result.Connections > 0,
            $"no connection completed in the window ({progress.Completed} completed, {progress.Errors} failed in all)");
        Assert.Equal(0, result.Errors);
        Assert.Equal(0, progress.Errors);
        Assert.True(progress.Completed >= result.Connections);
        Assert.True(result.P50Us > 0 && result.P50Us <= result.P99Us && result.P99Us <= result.P999Us);
        Assert.Null(result.PacketsPerConnection);
    }
}
