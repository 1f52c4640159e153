using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench.KernelEpoll;

/// <summary>How the CLI names the new kernel rows: in its help, and with a reason when nginx's row cannot run.</summary>
public sealed class KernelRowsUsageTests
{
    [Fact]
    public void Help_names_kernel_epoll_and_the_nginx_reference()
    {
        var (exitCode, stdout, _) = BenchCliTestSupport.Invoke(new BenchTargets(), "bench", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("kernel-epoll", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx-kernel", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Asking_for_nginx_where_its_row_is_not_registered_says_why()
    {
        var (exitCode, _, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(), "bench", "--designs", "nginx-kernel", "--no-kernel");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("design 'nginx-kernel' is not available", stderr, StringComparison.Ordinal);
    }
}
