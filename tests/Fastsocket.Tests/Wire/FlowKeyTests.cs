using Fastsocket.Wire;

namespace Fastsocket.Tests.Wire;

public sealed class FlowKeyTests
{
    private static readonly IpAddress Local = IpAddress.Parse("10.0.0.1");
    private static readonly IpAddress Remote = IpAddress.Parse("10.0.0.2");

    [Fact]
    public void EqualityCoversEveryField()
    {
        var key = new FlowKey(Local, 80, Remote, 40000);
        var same = new FlowKey(IpAddress.FromIPv4(10, 0, 0, 1), 80, IpAddress.FromIPv4(10, 0, 0, 2), 40000);
        Assert.Equal(key, same);
        Assert.True(key == same);
        Assert.False(key != same);
        Assert.True(key.Equals((object)same));
        Assert.False(key.Equals((object)Local));
        Assert.Equal(key.GetHashCode(), same.GetHashCode());

        Assert.NotEqual(key, new FlowKey(Remote, 80, Remote, 40000));
        Assert.NotEqual(key, new FlowKey(Local, 81, Remote, 40000));
        Assert.NotEqual(key, new FlowKey(Local, 80, Local, 40000));
        Assert.NotEqual(key, new FlowKey(Local, 80, Remote, 40001));
        // Swapping the ends is a different flow (the other side's view).
        Assert.NotEqual(key, new FlowKey(Remote, 40000, Local, 80));
        Assert.True(key != new FlowKey(Local, 80, Remote, 40001));
    }

    [Fact]
    public void FormatsBothEnds()
    {
        Assert.Equal("10.0.0.1:80 <-> 10.0.0.2:40000", new FlowKey(Local, 80, Remote, 40000).ToString());
        Assert.Equal("2001:db8::1:443 <-> 2001:db8::2:5000",
            new FlowKey(IpAddress.Parse("2001:db8::1"), 443, IpAddress.Parse("2001:db8::2"), 5000).ToString());
    }

    private static void AssertSpread(IEnumerable<FlowKey> keys, int count)
    {
        const int Buckets = 1024;
        int[] low = new int[Buckets];
        int[] high = new int[Buckets];
        int[] prime = new int[1021];
        var distinct = new HashSet<int>();
        foreach (FlowKey key in keys)
        {
            int h = key.GetHashCode();
            low[h & (Buckets - 1)]++;
            high[(int)((uint)h >> 22)]++;
            prime[(int)((uint)h % 1021)]++;
            distinct.Add(h);
        }
        // The mean is count / 1024 (64 for 65536 flows); a decent hash keeps every bucket within 2x of it, so 3x is generous.
        int bound = 3 * count / Buckets;
        Assert.True(low.Max() <= bound, $"low bits: fullest bucket {low.Max()} > {bound}");
        Assert.True(high.Max() <= bound, $"high bits: fullest bucket {high.Max()} > {bound}");
        Assert.True(prime.Max() <= bound, $"mod 1021: fullest bucket {prime.Max()} > {bound}");
        Assert.True(low.Min() > 0 && high.Min() > 0 && prime.Min() > 0, "an empty bucket");
        Assert.True(distinct.Count >= count * 99 / 100, $"only {distinct.Count} distinct hashes of {count}");
    }

    [Fact]
    public void FlowsDifferingOnlyInRemotePortSpreadEvenly()
    {
        AssertSpread(Enumerable.Range(0, 65536).Select(p => new FlowKey(Local, 443, Remote, (ushort)p)), 65536);
    }

    [Fact]
    public void FlowsDifferingOnlyInLocalPortSpreadEvenly()
    {
        AssertSpread(Enumerable.Range(0, 65536).Select(p => new FlowKey(Local, (ushort)p, Remote, 443)), 65536);
    }

    [Fact]
    public void FlowsDifferingOnlyInRemoteAddressSpreadEvenly()
    {
        AssertSpread(Enumerable.Range(0, 65536).Select(i => new FlowKey(Local, 443, IpAddress.FromIPv4(0x0A000000u | (uint)i), 5555)), 65536);
    }

    [Fact]
    public void IPv6FlowsSpreadEvenly()
    {
        IpAddress local = IpAddress.Parse("2001:db8::1");
        byte[] remote = IpAddress.Parse("2001:db8:1::").ToIPAddress().GetAddressBytes();
        AssertSpread(Enumerable.Range(0, 65536).Select(i =>
        {
            byte[] bytes = (byte[])remote.Clone();
            bytes[14] = (byte)(i >> 8);
            bytes[15] = (byte)i;
            return new FlowKey(local, 443, IpAddress.FromIPv6Bytes(bytes), (ushort)(i * 7));
        }), 65536);
    }
}
