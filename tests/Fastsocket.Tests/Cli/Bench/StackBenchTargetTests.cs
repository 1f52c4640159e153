using Fastsocket.Cli.Bench;
using Fastsocket.Stack;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>The stack target end to end, on the in-memory network, kept short.</summary>
public sealed class StackBenchTargetTests
{
    [Fact]
    public void ARunCutShortByTheConnectionCapReportsTheTimeItMeasured()
    {
        var target = new StackBenchTarget(StackDesign.Fastsocket);
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, duration: TimeSpan.FromSeconds(60), warmup: TimeSpan.Zero,
            concurrency: 8, maxConnections: 2_000);

        BenchResult result = target.Run(spec, new BenchProgress(), CancellationToken.None);

        // The cap is shared out between the loops (250 each), so the run ends long before its 60 s: the rate must
        // be the connections over the time they took, not over the duration asked for.
        Assert.Equal(0, result.Errors);
        Assert.Equal(2_000, result.Connections);
        Assert.True(result.Seconds > 0 && result.Seconds < 30, $"measured {result.Seconds} s");
        Assert.Equal(result.Connections / result.Seconds, result.Cps, precision: 6);
        Assert.Empty(result.DropReasons!);
    }

    [Fact]
    public void ClientLoopsSpreadOverSeveralSourceAddresses()
    {
        var target = new StackBenchTarget(StackDesign.Fastsocket);
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, duration: TimeSpan.FromSeconds(60), warmup: TimeSpan.Zero,
            concurrency: 6, maxConnections: 1_200)
        {
            ClientAddresses = 3,
        };

        BenchResult result = target.Run(spec, new BenchProgress(), CancellationToken.None);

        Assert.Equal(0, result.Errors);
        Assert.Equal(1_200, result.Connections);
        Assert.Empty(result.DropReasons!);
    }

    [Theory]
    [InlineData(StackDesign.Fastsocket, false)]
    [InlineData(StackDesign.Base, true)]
    public void EachResultCountsTheServersLocksPerConnection(StackDesign design, bool locks)
    {
        var target = new StackBenchTarget(design);
        var spec = new BenchRunSpec(serverCores: 2, clientCores: 2, duration: TimeSpan.FromSeconds(60), warmup: TimeSpan.Zero,
            concurrency: 4, maxConnections: 1_000);

        BenchResult result = target.Run(spec, new BenchProgress(), CancellationToken.None);

        Assert.Equal(0, result.Errors);
        // base looks up every packet in one shared, locked table: several locks per connection; fastsocket none.
        Assert.True(locks ? result.LocksPerConnection >= 1 : result.LocksPerConnection == 0, $"{result.LocksPerConnection} locks per connection");
        Assert.NotNull(result.HandoffsPerConnection);
    }
}
