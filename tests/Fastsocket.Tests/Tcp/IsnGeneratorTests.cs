using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp;

public class IsnGeneratorTests
{
    private static readonly byte[] Key = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    private static FlowKey Flow(ushort localPort, ushort remotePort = 80) =>
        new(IpAddress.FromIPv4(10, 0, 0, 1), localPort, IpAddress.FromIPv4(10, 0, 0, 2), remotePort);

    [Fact]
    public void SameTuple_AdvancesWithTheFourMicrosecondClock()
    {
        var isn = new IsnGenerator(Key);
        FlowKey flow = Flow(40000);
        SeqNumber previous = isn.Next(flow, 0);
        for (long t = 4; t < 4_000_000; t += 40_001)
        {
            SeqNumber next = isn.Next(flow, t);
            Assert.True(next > previous);
            Assert.Equal((int)(t / 4), next - isn.Next(flow, 0));
            previous = next;
        }
        Assert.Equal(isn.Next(flow, 1000), isn.Next(flow, 1003)); // same 4 us tick
    }

    [Fact]
    public void Deterministic_ForAKey_AndDiffersAcrossTuplesAndKeys()
    {
        var a = new IsnGenerator(Key);
        var b = new IsnGenerator(Key);
        Assert.Equal(a.Next(Flow(1234), 5000), b.Next(Flow(1234), 5000));

        var seen = new HashSet<uint>();
        for (ushort port = 1024; port < 1024 + 2000; port++)
        {
            seen.Add(a.Next(Flow(port), 5000).Value);
        }
        Assert.True(seen.Count >= 1999); // a 32-bit PRF: collisions among 2000 are very unlikely
        Assert.NotEqual(a.Next(Flow(1, 2), 0), a.Next(Flow(2, 1), 0));

        var random1 = new IsnGenerator();
        var random2 = new IsnGenerator();
        Assert.NotEqual(random1.Next(Flow(1234), 0), random2.Next(Flow(1234), 0));
    }

    [Fact]
    public void Ipv6_UsesFullAddress()
    {
        var isn = new IsnGenerator(Key);
        var local = IpAddress.Parse("2001:db8::1");
        var v6a = new FlowKey(local, 443, IpAddress.Parse("2001:db8:0:0:1::2"), 5000);
        var v6b = new FlowKey(local, 443, IpAddress.Parse("2001:db8:0:1:1::2"), 5000); // differs in High only
        Assert.NotEqual(isn.Next(v6a, 0), isn.Next(v6b, 0));
    }

    [Fact]
    public void RejectsShortKey()
    {
        Assert.Throws<ArgumentException>(() => new IsnGenerator(new byte[8]));
    }
}
