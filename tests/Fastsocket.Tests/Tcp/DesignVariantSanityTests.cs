using Fastsocket.Stack;
using Fastsocket.Tests.Support;

namespace Fastsocket.Tests.Tcp;

/// <summary>Checks that the design variants really run their benches in the design they name.</summary>
public class DesignVariantSanityTests
{
    protected virtual StackDesign? Expected => null;

    [Fact]
    public void BenchesUseTheVariantsDesign()
    {
        var bench = new TcpTestBench();
        Assert.Equal(Expected, bench.Design);
        Assert.Equal(Expected is null, bench.Stack is null);
        bench.PassiveEstablished(1000);
        long locks = bench.Engine.Statistics.LockAcquisitions;
        // base and reuseport look every segment up in the shared table under its lock; fastsocket never locks.
        Assert.Equal(Expected is StackDesign.Base or StackDesign.ReusePort, locks > 0);
    }
}

public sealed class DesignVariantSanityTestsUnderBase : DesignVariantSanityTests
{
    public DesignVariantSanityTestsUnderBase() => TestDesign.Current = StackDesign.Base;

    protected override StackDesign? Expected => StackDesign.Base;
}

public sealed class DesignVariantSanityTestsUnderReusePort : DesignVariantSanityTests
{
    public DesignVariantSanityTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;

    protected override StackDesign? Expected => StackDesign.ReusePort;
}

public sealed class DesignVariantSanityTestsUnderFastsocket : DesignVariantSanityTests
{
    public DesignVariantSanityTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;

    protected override StackDesign? Expected => StackDesign.Fastsocket;
}
