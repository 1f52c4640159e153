using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>
/// Bad <c>bench</c> command lines exit 2 with a message naming the flag, before any run starts
/// (the fake targets would otherwise print a table to stdout).
/// </summary>
public sealed class BenchUsageTests
{
    private const int UsageExitCode = 2;

    [Theory]
    [InlineData(new[] { "bench", "--designs", "nope" }, "--designs")]
    [InlineData(new[] { "bench", "--designs", "base,bogus" }, "--designs")]
    [InlineData(new[] { "bench", "--server-cores", "0" }, "--server-cores")]
    [InlineData(new[] { "bench", "--server-cores", "1,,2" }, "--server-cores")]
    [InlineData(new[] { "bench", "--server-cores", "two" }, "--server-cores")]
    [InlineData(new[] { "bench", "--server-cores", "-1" }, "--server-cores")]
    [InlineData(new[] { "bench", "--server-cores", "1025" }, "--server-cores")]
    [InlineData(new[] { "bench", "--client-cores", "0" }, "--client-cores")]
    [InlineData(new[] { "bench", "--client-cores", "all" }, "--client-cores")]
    [InlineData(new[] { "bench", "--client-cores", "1025" }, "--client-cores")]
    [InlineData(new[] { "bench", "--client-addresses", "0" }, "--client-addresses")]
    [InlineData(new[] { "bench", "--client-addresses", "251" }, "--client-addresses")]
    [InlineData(new[] { "bench", "--designs", "base", "--client-ports", "same" }, "--client-ports")]
    [InlineData(new[] { "bench", "--designs", "base", "--app", "nginx" }, "--app")]
    [InlineData(new[] { "bench", "--duration", "0" }, "--duration")]
    [InlineData(new[] { "bench", "--duration", "-1" }, "--duration")]
    [InlineData(new[] { "bench", "--duration", "NaN" }, "--duration")]
    [InlineData(new[] { "bench", "--duration", "soon" }, "--duration")]
    [InlineData(new[] { "bench", "--warmup", "-0.5" }, "--warmup")]
    [InlineData(new[] { "bench", "--concurrency", "0" }, "--concurrency")]
    [InlineData(new[] { "bench", "--request-bytes", "10" }, "--request-bytes")]
    [InlineData(new[] { "bench", "--response-bytes", "-1" }, "--response-bytes")]
    [InlineData(new[] { "bench", "--max-connections", "0" }, "--max-connections")]
    [InlineData(new[] { "bench", "--out", "/nonexistent-dir-for-test/sub" }, "--out")]
    [InlineData(new[] { "bench", "--frobnicate" }, "--frobnicate")]
    public void Bad_flag_exits_2_and_names_the_flag(string[] args, string flag)
    {
        var (exitCode, stdout, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(), args);

        Assert.Equal(UsageExitCode, exitCode);
        Assert.Contains($"'{flag}'", stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public void Paired_ports_with_fewer_client_than_server_cores_is_refused()
    {
        var (exitCode, stdout, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(),
            "bench", "--designs", "base", "--server-cores", "1,4", "--client-cores", "2", "--client-ports", "paired");

        Assert.Equal(UsageExitCode, exitCode);
        Assert.Contains("'--client-ports paired' needs at least as many client cores as server cores", stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public void Paired_ports_too_few_for_the_connections_in_flight_are_refused_with_the_address_count_that_fixes_it()
    {
        var (exitCode, _, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(),
            "bench", "--designs", "base", "--server-cores", "16", "--client-cores", "same", "--client-ports", "paired");

        Assert.Equal(UsageExitCode, exitCode);
        Assert.Contains("about 110 source ports at 16 server cores", stderr, StringComparison.Ordinal);
        Assert.Contains("'--client-addresses 3'", stderr, StringComparison.Ordinal);

        var (fixedExitCode, _, fixedStderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(),
            "bench", "--designs", "base", "--no-kernel", "--server-cores", "16", "--client-cores", "same", "--client-ports", "paired",
            "--client-addresses", "3", "--duration", "0.05", "--warmup", "0");
        Assert.True(fixedExitCode == 0, fixedStderr);
    }

    [Fact]
    public void Unknown_design_is_named_with_the_known_ones()
    {
        var (exitCode, _, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(), "bench", "--designs", "base,quic");

        Assert.Equal(UsageExitCode, exitCode);
        Assert.Contains("unknown design 'quic'", stderr, StringComparison.Ordinal);
        Assert.Contains("fastsocket", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Paper_design_without_a_registered_target_is_refused_not_faked()
    {
        // The fake registry has base and fastsocket but no reuseport; the default --designs asks for all three.
        var (exitCode, stdout, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(), "bench");

        Assert.Equal(UsageExitCode, exitCode);
        Assert.Contains("design 'reuseport' is not available", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("'base'", stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public void Nothing_to_run_is_a_usage_error()
    {
        var (exitCode, _, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(), "bench", "--designs", "", "--no-kernel");

        Assert.Equal(UsageExitCode, exitCode);
        Assert.Contains("Nothing to run", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_the_flags_and_exits_0()
    {
        var (exitCode, stdout, _) = BenchCliTestSupport.Invoke(new BenchTargets(), "bench", "--help");

        Assert.Equal(0, exitCode);
        foreach (var flag in new[] { "--designs", "--server-cores", "--client-cores", "--duration", "--warmup", "--concurrency",
                     "--request-bytes", "--response-bytes", "--no-kernel", "--out", "--json" })
        {
            Assert.Contains(flag, stdout, StringComparison.Ordinal);
        }
    }
}
