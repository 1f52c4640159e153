using Fastsocket.Devices.Tun;

namespace Fastsocket.Tests.Devices;

/// <summary>Reading an interface's drop counters out of the kernel's /proc/net/dev layout.</summary>
public sealed class NetDevCountersTests
{
    private const string Sample =
        "Inter-|   Receive                                                |  Transmit\n" +
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
        "    lo:  382970 3257    0    0    0     0          0         0   382970    3257    0    0    0     0       0          0\n" +
        "  fsl0: 2153860 2322    1   17    0     0          0         0  2177144    1827    0 237145    0     0       0          0\n";

    [Fact]
    public void ReadsReceiveAndTransmitDropsOfTheNamedInterface()
    {
        Assert.Equal(new NetDevCounters(ReceiveDropped: 17, TransmitDropped: 237145), NetDevCounters.Parse(Sample, "fsl0"));
        Assert.Equal(new NetDevCounters(0, 0), NetDevCounters.Parse(Sample, "lo"));
    }

    [Fact]
    public void MissingInterfaceOrShortLineGivesNull()
    {
        Assert.Null(NetDevCounters.Parse(Sample, "fsl"));
        Assert.Null(NetDevCounters.Parse(Sample, "eth0"));
        Assert.Null(NetDevCounters.Parse("  fsl0: 1 2 3\n", "fsl0"));
    }
}
