using Fastsocket.Cli;

namespace Fastsocket.Tests.Cli;

/// <summary>
/// Usage errors must exit 2 with a stderr message naming the offending flag, before any transfer
/// starts. None of these command lines is valid, so none reaches the transfer runner.
/// </summary>
public sealed class CliUsageTests
{
    private const int UsageExitCode = 2;

    [Theory]
    [InlineData(new[] { "transfer", "--bytes", "10", "--frobnicate" }, "--frobnicate")]
    [InlineData(new[] { "transfer", "--loss", "1.5", "--bytes", "10" }, "--loss")]
    [InlineData(new[] { "transfer", "--bytes", "10", "--loss", "1" }, "--loss")]
    [InlineData(new[] { "transfer", "--bytes", "10", "--reorder", "-0.1" }, "--reorder")]
    [InlineData(new[] { "transfer", "--bytes", "10", "--duplicate", "NaN" }, "--duplicate")]
    [InlineData(new[] { "transfer", "--bytes", "10", "--clock", "wall" }, "--clock")]
    [InlineData(new[] { "transfer", "--bytes", "-3" }, "--bytes")]
    [InlineData(new[] { "transfer", "--bytes", "0" }, "--bytes")]
    [InlineData(new[] { "transfer", "--bytes", "abc" }, "--bytes")]
    [InlineData(new[] { "transfer", "--bytes" }, "--bytes")]
    [InlineData(new[] { "transfer" }, "--bytes")]
    [InlineData(new[] { "transfer", "--bytes", "10", "--corrupt" }, "--corrupt")]
    [InlineData(new[] { "transfer", "--bytes", "10", "--mtu", "575" }, "--mtu")]
    [InlineData(new[] { "transfer", "--bytes", "10", "--mtu", "65536" }, "--mtu")]
    [InlineData(new[] { "transfer", "--bytes", "10", "--seed", "x" }, "--seed")]
    [InlineData(new[] { "transfer", "--bytes", "10", "--pcap", "/nonexistent-dir-for-test/out.pcap" }, "--pcap")]
    public void Bad_flag_exits_2_and_names_the_flag(string[] args, string flag)
    {
        var (exitCode, stdout, stderr) = Invoke(args);

        Assert.Equal(UsageExitCode, exitCode);
        Assert.Contains($"'{flag}'", stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public void Out_of_range_value_message_says_what_is_allowed()
    {
        var (_, _, stderr) = Invoke(["transfer", "--bytes", "10", "--loss", "1.5"]);

        Assert.Contains("1.5", stderr, StringComparison.Ordinal);
        Assert.Contains("below 1", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_not_just_the_first()
    {
        var (exitCode, _, stderr) = Invoke(["transfer", "--bytes", "-3", "--mtu", "100"]);

        Assert.Equal(UsageExitCode, exitCode);
        Assert.Contains("'--bytes'", stderr, StringComparison.Ordinal);
        Assert.Contains("'--mtu'", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-such-command")]
    public void Missing_or_unknown_subcommand_exits_2(string commandLine)
    {
        var (exitCode, _, stderr) = Invoke(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(UsageExitCode, exitCode);
        Assert.Contains("fastsocket --help", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_wins_over_missing_required_option_and_exits_0()
    {
        var (exitCode, stdout, stderr) = Invoke(["transfer", "--help"]);

        Assert.Equal(0, exitCode);
        Assert.Contains("--bytes", stdout, StringComparison.Ordinal);
        Assert.Contains("fastsocket transfer", stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stderr);
    }

    private static (int ExitCode, string Stdout, string Stderr) Invoke(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = Program.Run(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
