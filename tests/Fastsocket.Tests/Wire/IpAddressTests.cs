using System.Net;
using System.Net.Sockets;
using CsCheck;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Wire;

public sealed class IpAddressTests
{
    [Theory]
    [InlineData("0.0.0.0", 0x00000000u)]
    [InlineData("127.0.0.1", 0x7F000001u)]
    [InlineData("192.168.0.1", 0xC0A80001u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    public void IPv4ParsesAndFormats(string text, uint value)
    {
        IpAddress address = IpAddress.Parse(text);
        Assert.True(address.IsIPv4);
        Assert.Equal(AddressFamily.InterNetwork, address.Family);
        Assert.Equal(4, address.WireLength);
        Assert.Equal(value, address.V4);
        Assert.Equal(text, address.ToString());
        Assert.Equal(IpAddress.FromIPv4(value), address);
        Assert.Equal(IpAddress.FromIPv4((byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value), address);
        Assert.Equal(IPAddress.Parse(text), address.ToIPAddress());

        byte[] wire = new byte[16];
        Assert.Equal(4, address.WriteTo(wire));
        Assert.Equal(IPAddress.Parse(text).GetAddressBytes(), wire.AsSpan(0, 4).ToArray());
        Assert.Equal(address, IpAddress.FromIPv4Bytes(wire));
    }

    [Fact]
    public void IPv4IsHeldAsItsMappedIPv6Form()
    {
        IpAddress address = IpAddress.FromIPv4(10, 1, 2, 3);
        Assert.Equal(0UL, address.High);
        Assert.Equal(0x0000_FFFF_0A01_0203UL, address.Low);
        Assert.Equal(address, IpAddress.Parse("::ffff:10.1.2.3"));
    }

    [Theory]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2001:db8:85a3::8a2e:370:7334")]
    [InlineData("ff02::1:ff00:1")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("::fffe:a01:203")]
    public void IPv6ParsesAndFormats(string text)
    {
        IpAddress address = IpAddress.Parse(text);
        Assert.False(address.IsIPv4);
        Assert.Equal(AddressFamily.InterNetworkV6, address.Family);
        Assert.Equal(16, address.WireLength);
        Assert.Equal(text, address.ToString());
        Assert.Equal(IPAddress.Parse(text), address.ToIPAddress());

        byte[] wire = new byte[16];
        Assert.Equal(16, address.WriteTo(wire));
        Assert.Equal(IPAddress.Parse(text).GetAddressBytes(), wire);
        Assert.Equal(address, IpAddress.FromIPv6Bytes(wire));
    }

    [Fact]
    public void NoneIsTheUnspecifiedIPv6Address()
    {
        Assert.Equal(default, IpAddress.None);
        Assert.False(IpAddress.None.IsIPv4);
        Assert.Equal(IpAddress.Parse("::"), IpAddress.None);
        Assert.NotEqual(IpAddress.Parse("0.0.0.0"), IpAddress.None);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not an address")]
    [InlineData("1.2.3.4.5")]
    [InlineData("2001:db8:::1")]
    public void TryParseRejectsGarbage(string? text)
    {
        Assert.False(IpAddress.TryParse(text, out IpAddress address));
        Assert.Equal(default, address);
    }

    [Fact]
    public void TryParseAcceptsBothFamilies()
    {
        Assert.True(IpAddress.TryParse("10.0.0.1", out IpAddress v4));
        Assert.True(v4.IsIPv4);
        Assert.True(IpAddress.TryParse("2001:db8::2", out IpAddress v6));
        Assert.False(v6.IsIPv4);
    }

    [Fact]
    public void EqualityAndOperators()
    {
        IpAddress a = IpAddress.Parse("10.0.0.1");
        IpAddress b = IpAddress.FromIPv4(10, 0, 0, 1);
        IpAddress c = IpAddress.Parse("10.0.0.2");
        IpAddress d = IpAddress.Parse("::a00:1"); // IPv4-compatible, not IPv4-mapped: a different address
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.True(a != c);
        Assert.NotEqual(a, d);
        Assert.True(a.Equals((object)b));
        Assert.False(a.Equals((object)"10.0.0.1"));
        Assert.False(a.Equals(null));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void RandomIPv4RoundTripsThroughText()
    {
        Gen.UInt.Sample(v =>
        {
            IpAddress address = IpAddress.FromIPv4(v);
            IpAddress parsed = IpAddress.Parse(address.ToString());
            return parsed == address && parsed.IsIPv4 && parsed.V4 == v;
        }, iter: 2000);
    }

    [Fact]
    public void RandomIPv6RoundTripsThroughTextAndBytes()
    {
        Gen.Byte.Array[16].Where(b => !new IPAddress(b).IsIPv4MappedToIPv6).Sample(bytes =>
        {
            IpAddress address = IpAddress.FromIPv6Bytes(bytes);
            Span<byte> wire = stackalloc byte[16];
            return !address.IsIPv4 && address.WriteTo(wire) == 16 && wire.SequenceEqual(bytes) &&
                IpAddress.Parse(address.ToString()) == address && IpAddress.FromIPAddress(new IPAddress(bytes)) == address;
        }, iter: 2000);
    }

    [Fact]
    public void FoldIsTheSameForEqualAddresses()
    {
        Assert.Equal(IpAddress.Parse("2001:db8::1").Fold(), IpAddress.FromIPv6Bytes(IPAddress.Parse("2001:db8::1").GetAddressBytes()).Fold());
        Assert.NotEqual(IpAddress.Parse("10.0.0.1").Fold(), IpAddress.Parse("10.0.0.2").Fold());
    }
}
