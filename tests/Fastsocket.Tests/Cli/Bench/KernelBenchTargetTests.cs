using Fastsocket.Cli.Bench;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>
/// One short real run over the kernel's loopback TCP. Rates depend on the machine and on whatever else
/// is running, so only correctness is asserted: connections completed, none failed.
/// </summary>
public sealed class KernelBenchTargetTests
{
    [Fact]
    public void Short_kernel_run_completes_connections_without_errors()
    {
        // On Linux the SO_REUSEPORT variant with two listeners covers the most code: raw socket option,
        // several listeners on one port, several accept loops.
        var reusePort = OperatingSystem.IsLinux();
        var target = new KernelBenchTarget(reusePort);
        var spec = new BenchRunSpec(serverCores: reusePort ? 2 : 1, clientCores: 1,
            duration: TimeSpan.FromSeconds(1), warmup: TimeSpan.Zero, concurrency: 4);
        var progress = new BenchProgress();

        var result = target.Run(spec, progress, CancellationToken.None);

        Assert.Equal(reusePort ? "kernel-reuseport" : "kernel", result.Design);
        Assert.True(result.Connections > 0, "no connection completed");
        Assert.Equal(0, result.Errors);
        Assert.Equal(0, progress.Errors);
        Assert.True(progress.Completed >= result.Connections);
        Assert.True(result.P50Us > 0 && result.P50Us <= result.P99Us && result.P99Us <= result.P999Us);
        Assert.Null(result.PacketsPerConnection);
    }
}
