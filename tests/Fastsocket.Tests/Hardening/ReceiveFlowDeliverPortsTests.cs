using Fastsocket.Stack;

namespace Fastsocket.Tests.Hardening;

public sealed class ReceiveFlowDeliverPortsTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 3)]
    [InlineData(4, 3)]
    [InlineData(5, 7)]
    [InlineData(8, 7)]
    [InlineData(9, 15)]
    [InlineData(64, 63)]
    [InlineData(65, 127)]
    public void TheMaskIsTheNextPowerOfTwoMinusOne(int cores, int mask)
    {
        Assert.Equal(mask, ReceiveFlowDeliverPorts.MaskFor(cores));
    }

    [Fact]
    public void TheMaskAgreesWithTheStacks()
    {
        for (int cores = 1; cores <= 300; cores++)
        {
            Assert.Equal(FastsocketStack.PortMaskFor(cores), ReceiveFlowDeliverPorts.MaskFor(cores));
        }
    }

    [Fact]
    public void RejectsImpossibleCoreCounts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReceiveFlowDeliverPorts.MaskFor(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReceiveFlowDeliverPorts.MaskFor((1 << 15) + 1));
    }

    [Fact]
    public void OwnerIsTheLowBits()
    {
        Assert.Equal(0, ReceiveFlowDeliverPorts.OwnerOf(32768, 3));
        Assert.Equal(1, ReceiveFlowDeliverPorts.OwnerOf(10001, 3));
        Assert.Equal(3, ReceiveFlowDeliverPorts.OwnerOf(65535, 3));
        Assert.Equal(0, ReceiveFlowDeliverPorts.OwnerOf(12345, 0));
    }

    [Fact]
    public void RangeMembershipIncludesBothEnds()
    {
        Assert.True(ReceiveFlowDeliverPorts.IsInRange(1024, 1024, 5000));
        Assert.True(ReceiveFlowDeliverPorts.IsInRange(5000, 1024, 5000));
        Assert.False(ReceiveFlowDeliverPorts.IsInRange(1023, 1024, 5000));
        Assert.False(ReceiveFlowDeliverPorts.IsInRange(5001, 1024, 5000));
        Assert.False(ReceiveFlowDeliverPorts.IsInRange(0, 1, 65535));
        Assert.False(ReceiveFlowDeliverPorts.IsInRange(3000, 5000, 1024));
    }

    [Fact]
    public void PortsPerCoreMatchesCountingEveryPort()
    {
        var random = new Random(6056);
        for (int trial = 0; trial < 300; trial++)
        {
            int cores = random.Next(1, 40);
            int mask = ReceiveFlowDeliverPorts.MaskFor(cores);
            int first = random.Next(1, 65536);
            int last = random.Next(first - 3, Math.Min(65536, first + random.Next(0, 3000)));
            int[] counted = new int[mask + 1];
            for (int port = first; port <= last; port++)
            {
                counted[ReceiveFlowDeliverPorts.OwnerOf(port, mask)]++;
            }
            for (int core = 0; core <= mask; core++)
            {
                Assert.Equal(counted[core], ReceiveFlowDeliverPorts.PortsOf(core, mask, first, last));
            }
            Assert.Equal(0, ReceiveFlowDeliverPorts.PortsOf(mask + 1, mask, first, last));
            Assert.Equal(0, ReceiveFlowDeliverPorts.PortsOf(-1, mask, first, last));
            int fewest = Enumerable.Range(0, cores).Select(c => counted[c]).DefaultIfEmpty(0).Min();
            Assert.Equal(fewest, ReceiveFlowDeliverPorts.MinPortsPerCore(cores, first, last));
        }
    }

    [Fact]
    public void TheLinuxDefaultRangeSplitsEvenly()
    {
        // 32768-60999 is 28,232 ports; with 8 cores each gets 3529.
        Assert.Equal(3529, ReceiveFlowDeliverPorts.MinPortsPerCore(8, 32768, 60999));
        // With 6 cores the mask is 7: cores 6 and 7 do not exist, so a quarter of the range lies idle.
        Assert.Equal(3529, ReceiveFlowDeliverPorts.MinPortsPerCore(6, 32768, 60999));
    }

    [Fact]
    public void AcceptsAWideEnoughRange()
    {
        Assert.Null(ReceiveFlowDeliverPorts.Validate(8, 32768, 60999, 1000));
        Assert.Null(ReceiveFlowDeliverPorts.Validate(1, 1024, 1024, 1));
        // A range without bit 15 is fine now.
        Assert.Null(ReceiveFlowDeliverPorts.Validate(4, 10000, 20000, 2500));
    }

    [Fact]
    public void ExplainsWhyARangeIsTooSmall()
    {
        string? message = ReceiveFlowDeliverPorts.Validate(6, 40000, 40099, 100);
        Assert.NotNull(message);
        Assert.Contains("40000-40099", message, StringComparison.Ordinal);
        Assert.Contains("only 12 ports", message, StringComparison.Ordinal);
        Assert.Contains("& 7", message, StringComparison.Ordinal);
        Assert.Contains("2 of every 8 ports have no core", message, StringComparison.Ordinal);
        Assert.Contains("about 800 ports", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1024, 2000)]
    [InlineData(40000, 1024, 2000)]
    [InlineData(4, 0, 2000)]
    [InlineData(4, 3000, 2000)]
    [InlineData(4, 1024, 65536)]
    public void ExplainsImpossibleInputs(int cores, int first, int last)
    {
        Assert.NotNull(ReceiveFlowDeliverPorts.Validate(cores, first, last, 1));
    }

    [Fact]
    public void ARangeSmallerThanTheCoreCountLeavesSomeCoreWithout()
    {
        string? message = ReceiveFlowDeliverPorts.Validate(4, 50000, 50002, 1);
        Assert.NotNull(message);
        Assert.Contains("only 0 ports", message, StringComparison.Ordinal);
    }
}
