using Fastsocket.Stack;
using Fastsocket.Tests.Support;

namespace Fastsocket.Tests.Tcp;

/// <summary>Checks that a bench really runs in the design it is given.</summary>
public class DesignVariantSanityTests
{
    [Theory]
    [DesignData]
    public void BenchesUseTheGivenDesign(BenchDesign design)
    {
        StackDesign? expected = design switch
        {
            BenchDesign.Base => StackDesign.Base,
            BenchDesign.ReusePort => StackDesign.ReusePort,
            BenchDesign.Fastsocket => StackDesign.Fastsocket,
            _ => null,
        };
        var bench = new TcpTestBench(design);
        Assert.Equal(expected, bench.Design);
        Assert.Equal(expected is null, bench.Stack is null);
        bench.PassiveEstablished(1000);
        long locks = bench.Engine.Statistics.LockAcquisitions;
        // base and reuseport look every segment up in the shared table under its lock; fastsocket never locks.
        Assert.Equal(expected is StackDesign.Base or StackDesign.ReusePort, locks > 0);
    }

    [Fact]
    public void EveryDesignIsCovered()
    {
        // Four rows per test: a standalone engine and the paper's three designs.
        Assert.Equal(Enum.GetValues<StackDesign>().Length + 1, Enum.GetValues<BenchDesign>().Length);
        Assert.Equal(4, new DesignDataAttribute().GetData(typeof(DesignVariantSanityTests).GetMethod(nameof(EveryDesignIsCovered))!).Count());
    }
}
