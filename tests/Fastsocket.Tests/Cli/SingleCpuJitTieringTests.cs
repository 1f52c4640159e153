using Fastsocket.Cli.Bench.Real;
using Fastsocket.Diagnostics;

namespace Fastsocket.Tests.Cli;

/// <summary>
/// The JIT environment of servers on one CPU: <c>serve</c> tells the operator when .NET will delay optimising hot code
/// tenfold, and <c>bench --real</c> gives every .NET server (ours and Kestrel on kernel sockets alike) the same setting,
/// nginx none.
/// </summary>
public sealed class SingleCpuJitTieringTests
{
    [Fact]
    public void OneCpuWithoutTheVariableGetsAdvice()
    {
        string? advice = SingleCpuJitTiering.Advice(1, _ => null);

        Assert.NotNull(advice);
        Assert.Contains("DOTNET_TC_DelaySingleProcMultiplier=1", advice, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DOTNET_TC_DelaySingleProcMultiplier")]
    [InlineData("COMPlus_TC_DelaySingleProcMultiplier")]
    public void OneCpuWithTheVariableSetGetsNone(string name)
    {
        Assert.Null(SingleCpuJitTiering.Advice(1, variable => variable == name ? "1" : null));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    public void SeveralCpusGetNone(int processors)
    {
        Assert.Null(SingleCpuJitTiering.Advice(processors, _ => null));
    }

    [Theory]
    [InlineData(RealDesigns.ServeTun)]
    [InlineData(RealDesigns.KestrelSockets)]
    [InlineData(RealDesigns.KestrelTun)]
    public void EveryDotNetServerOfTheRealBenchGetsTheSameSetting(string design)
    {
        var catalog = new RealServerCatalog(new RealCliInvocation("dotnet", ["Fastsocket.Cli.dll"]), serverCores: 1, lifetimeSeconds: 60);

        RealServerLaunch launch = catalog.Create(design);

        Assert.Equal(SingleCpuJitTiering.Value, launch.Environment[SingleCpuJitTiering.Variable]);
    }

    [Fact]
    public void NginxGetsNoJitSetting()
    {
        var catalog = new RealServerCatalog(new RealCliInvocation("dotnet", ["Fastsocket.Cli.dll"]), serverCores: 1, lifetimeSeconds: 60);

        RealServerLaunch launch = catalog.Create(RealDesigns.NginxKernel);

        Assert.False(launch.Environment.ContainsKey(SingleCpuJitTiering.Variable));
        if (launch.TemporaryDirectory is { } folder)
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
