using Fastsocket.Bench;
using Fastsocket.Cli.Bench.Real;
using Fastsocket.Cli.Commands;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>
/// <c>bench --real</c> warms each fresh server process up for <see cref="RealBenchOptions.DefaultWarmupSeconds"/> unless
/// --warmup is given; the in-memory bench keeps its 1 s. (The first version of this default read a null result for "not
/// given", which System.CommandLine never returns for an option with a default, and kept measuring after 1 s.)
/// </summary>
public sealed class RealWarmupTests
{
    private static readonly BenchCommand Command = new(new CliConsole(TextWriter.Null, TextWriter.Null), new BenchTargets());

    [Fact]
    public void RealRunWithoutWarmupTakesTheRealDefault()
    {
        Assert.Equal(RealBenchOptions.DefaultWarmupSeconds, Command.RealWarmupSeconds(Command.Parse(["--real"])));
    }

    [Theory]
    [InlineData("0", 0.0)]
    [InlineData("1", 1.0)]
    [InlineData("12", 12.0)]
    public void RealRunTakesTheGivenWarmup(string given, double expected)
    {
        Assert.Equal(expected, Command.RealWarmupSeconds(Command.Parse(["--real", "--warmup", given])));
    }
}
