using Fastsocket.Wire;

namespace Fastsocket.Tests.Wire;

public sealed class DropCountersTests
{
    [Fact]
    public void CountsPerReasonAndInTotal()
    {
        var counters = new DropCounters();
        Assert.Equal(0, counters.Total);
        Assert.Empty(counters.NonZero());

        counters.Add(DropReason.BadIpChecksum);
        counters.Add(DropReason.BadIpChecksum);
        counters.Add(DropReason.TcpNoListener);
        counters.Add(DropReason.DeviceQueueFull);

        Assert.Equal(2, counters[DropReason.BadIpChecksum]);
        Assert.Equal(1, counters[DropReason.TcpNoListener]);
        Assert.Equal(1, counters[DropReason.DeviceQueueFull]);
        Assert.Equal(0, counters[DropReason.Truncated]);
        Assert.Equal(4, counters.Total);
        Assert.Equal(
            [(DropReason.BadIpChecksum, 2L), (DropReason.TcpNoListener, 1L), (DropReason.DeviceQueueFull, 1L)],
            counters.NonZero().ToArray());
    }

    [Fact]
    public void NoneIsNotADrop()
    {
        var counters = new DropCounters();
        counters.Add(DropReason.None);
        Assert.Equal(0, counters.Total);
        Assert.Empty(counters.NonZero());
    }

    [Fact]
    public void AddToAccumulatesIntoAnotherSet()
    {
        var a = new DropCounters();
        var b = new DropCounters();
        a.Add(DropReason.Fragment);
        a.Add(DropReason.Truncated);
        b.Add(DropReason.Fragment);
        a.AddTo(b);
        a.AddTo(b);
        Assert.Equal(3, b[DropReason.Fragment]);
        Assert.Equal(2, b[DropReason.Truncated]);
        Assert.Equal(1, a[DropReason.Fragment]);
        Assert.Throws<ArgumentNullException>(() => a.AddTo(null!));
    }

    [Fact]
    public void EveryReasonHasACounter()
    {
        var counters = new DropCounters();
        foreach (DropReason reason in Enum.GetValues<DropReason>().Where(r => r != DropReason.Count))
        {
            counters.Add(reason);
            Assert.Equal(1, counters[reason]);
        }
        Assert.Equal((int)DropReason.Count - 1, counters.Total);
    }
}
