using System.Buffers.Binary;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Wire.WireReference;

namespace Fastsocket.Tests.Wire;

public sealed class IcmpV4Tests
{
    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 56)]
    [InlineData(true, 1)]
    [InlineData(true, 57)]
    public void EchoRoundTrips(bool reply, int dataLength)
    {
        byte[] data = Enumerable.Range(0, dataLength).Select(i => (byte)(0xC0 + i)).ToArray();
        byte[] buffer = new byte[8 + dataLength + 4];
        int n = IcmpV4Writer.WriteEcho(buffer, reply, 0x1234, 0xFEDC, data);
        Assert.Equal(8 + dataLength, n);
        ReadOnlySpan<byte> message = buffer.AsSpan(0, n);

        Assert.Equal(0, ReferenceChecksum(message));
        Assert.True(IcmpV4Packet.TryParse(message, out IcmpV4Packet icmp, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(reply ? IcmpV4Packet.TypeEchoReply : IcmpV4Packet.TypeEchoRequest, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.Equal(0x1234, icmp.Identifier);
        Assert.Equal(0xFEDC, icmp.SequenceNumber);
        Assert.Equal(data, icmp.Body.ToArray());
        Assert.Equal(n, icmp.Message.Length);
        Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(message[2..]), icmp.Checksum);
    }

    [Fact]
    public void EchoChecksumMatchesTheReferenceOverTheZeroedMessage()
    {
        byte[] buffer = new byte[64];
        int n = IcmpV4Writer.WriteEcho(buffer, false, 1, 2, "abcdefgh"u8);
        byte[] zeroed = buffer.AsSpan(0, n).ToArray();
        ushort stored = BinaryPrimitives.ReadUInt16BigEndian(zeroed.AsSpan(2));
        zeroed[2] = 0;
        zeroed[3] = 0;
        Assert.Equal(ReferenceChecksum(zeroed), stored);
    }

    [Fact]
    public void KnownEchoRequestBytes()
    {
        // Echo request, id 1, seq 1, no data: 08 00 f7 fd 00 01 00 01 (checksum = ~(0800 + 0001 + 0001)).
        byte[] buffer = new byte[8];
        IcmpV4Writer.WriteEcho(buffer, false, 1, 1, []);
        Assert.Equal(new byte[] { 0x08, 0x00, 0xF7, 0xFD, 0x00, 0x01, 0x00, 0x01 }, buffer);
    }

    [Fact]
    public void DestinationUnreachableQuotesTheIpHeaderAndEightBytes()
    {
        byte[] offending = SampleSegment(ClientV4, ServerV4).Options(SampleOptions()).Payload(new byte[100]).Build();
        byte[] buffer = new byte[1500];
        int n = IcmpV4Writer.WriteDestinationUnreachable(buffer, IcmpV4Packet.CodePortUnreachable, offending);
        Assert.Equal(8 + 20 + 8, n);

        ReadOnlySpan<byte> message = buffer.AsSpan(0, n);
        Assert.Equal(0, ReferenceChecksum(message));
        Assert.True(IcmpV4Packet.TryParse(message, out IcmpV4Packet icmp, out _));
        Assert.Equal(IcmpV4Packet.TypeDestinationUnreachable, icmp.Type);
        Assert.Equal(IcmpV4Packet.CodePortUnreachable, icmp.Code);
        Assert.Equal(0, icmp.NextHopMtu);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(message[4..]));
        Assert.Equal(offending.AsSpan(0, 28).ToArray(), icmp.Body.ToArray());

        // The quote is enough for the sender to find its connection: the IP header and both ports.
        Assert.True(IPv4Packet.TryParse(offending, out IPv4Packet original, out _));
        Assert.Equal(original.Header.ToArray(), icmp.Body[..20].ToArray());
        Assert.Equal(40000, BinaryPrimitives.ReadUInt16BigEndian(icmp.Body[20..]));
        Assert.Equal(443, BinaryPrimitives.ReadUInt16BigEndian(icmp.Body[22..]));
    }

    [Fact]
    public void FragmentationNeededCarriesTheNextHopMtu()
    {
        byte[] offending = PacketBuilder.Ip(ClientV4, ServerV4, IpProtocol.Tcp).Payload(new byte[1480]).Build();
        byte[] buffer = new byte[100];
        int n = IcmpV4Writer.WriteDestinationUnreachable(buffer, IcmpV4Packet.CodeFragmentationNeeded, offending, 1400);
        Assert.True(IcmpV4Packet.TryParse(buffer.AsSpan(0, n), out IcmpV4Packet icmp, out _));
        Assert.Equal(IcmpV4Packet.CodeFragmentationNeeded, icmp.Code);
        Assert.Equal(1400, icmp.NextHopMtu);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(4)));
    }

    [Fact]
    public void DestinationUnreachableQuotesIpOptionsToo()
    {
        byte[] offending = new byte[24 + 30];
        IPv4Header.Write(offending, ClientV4, ServerV4, IpProtocol.Udp, 34, 1);
        offending[0] = 0x46;
        FixIPv4Checksum(offending);
        byte[] buffer = new byte[100];
        int n = IcmpV4Writer.WriteDestinationUnreachable(buffer, IcmpV4Packet.CodePortUnreachable, offending);
        Assert.Equal(8 + 24 + 8, n);
        Assert.Equal(offending.AsSpan(0, 32).ToArray(), buffer.AsSpan(8, 32).ToArray());
        Assert.True(IcmpV4Packet.TryParse(buffer.AsSpan(0, n), out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(27)]
    public void ShortOffendingPacketsAreQuotedWhole(int length)
    {
        byte[] offending = PacketBuilder.Ip(ClientV4, ServerV4, IpProtocol.Tcp).Payload(new byte[20]).TruncateTo(length).Build();
        byte[] buffer = new byte[100];
        int n = IcmpV4Writer.WriteDestinationUnreachable(buffer, IcmpV4Packet.CodePortUnreachable, offending);
        Assert.Equal(8 + length, n);
        Assert.True(IcmpV4Packet.TryParse(buffer.AsSpan(0, n), out IcmpV4Packet icmp, out _));
        Assert.Equal(offending, icmp.Body.ToArray());
    }

    [Fact]
    public void ShorterThanTheHeaderIsBadIcmp()
    {
        byte[] buffer = new byte[8];
        IcmpV4Writer.WriteEcho(buffer, true, 1, 1, []);
        for (int length = 0; length < 8; length++)
        {
            Assert.False(IcmpV4Packet.TryParse(buffer.AsSpan(0, length), out _, out DropReason reason));
            Assert.Equal(DropReason.BadIcmp, reason);
        }
    }

    [Fact]
    public void AnyCorruptedBitIsABadChecksum()
    {
        byte[] buffer = new byte[8 + 13];
        IcmpV4Writer.WriteEcho(buffer, false, 7, 9, "thirteen byte"u8);
        for (int bit = 0; bit < buffer.Length * 8; bit++)
        {
            byte[] corrupt = (byte[])buffer.Clone();
            corrupt[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(IcmpV4Packet.TryParse(corrupt, out _, out DropReason reason));
            Assert.Equal(DropReason.BadIcmpChecksum, reason);
        }
    }

    [Fact]
    public void EchoInsideIPv4RoundTrips()
    {
        byte[] packet = PacketBuilder.IcmpEcho(ServerV4, ClientV4, 3, 4).Payload("ping"u8).TrailingPadding(10).Build();
        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out _));
        Assert.True(IcmpV4Packet.TryParse(ip.Payload, out IcmpV4Packet icmp, out _));
        Assert.Equal("ping"u8.ToArray(), icmp.Body.ToArray());
    }
}
