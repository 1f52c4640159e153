using System.Buffers.Binary;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Wire.WireReference;

namespace Fastsocket.Tests.Wire;

public sealed class IPv4PacketTests
{
    /// <summary>
    /// The widely reproduced example header (a 115-byte UDP datagram from 192.168.0.1 to 192.168.0.199, DF, TTL 64)
    /// whose checksum is known to be b861.
    /// </summary>
    private static readonly byte[] KnownHeader =
    [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xB8, 0x61,
        0xC0, 0xA8, 0x00, 0x01, 0xC0, 0xA8, 0x00, 0xC7,
    ];

    private static byte[] ValidPacket(int payloadLength = 32, int trailingPadding = 0)
    {
        byte[] payload = Enumerable.Range(0, payloadLength).Select(i => (byte)(i * 7 + 3)).ToArray();
        return PacketBuilder.Ip(ClientV4, ServerV4, IpProtocol.Tcp).Payload(payload).Identification(0xBEEF).TrailingPadding(trailingPadding).Build();
    }

    private static DropReason Parse(ReadOnlySpan<byte> buffer)
    {
        bool ok = IPv4Packet.TryParse(buffer, out _, out DropReason reason);
        Assert.Equal(ok, reason == DropReason.None);
        return reason;
    }

    [Fact]
    public void KnownHeaderHasAValidChecksum()
    {
        Assert.True(InternetChecksum.IsValid(InternetChecksum.Accumulate(KnownHeader)));
        Assert.Equal(0, ReferenceChecksum(KnownHeader));
        byte[] zeroed = (byte[])KnownHeader.Clone();
        zeroed[10] = 0;
        zeroed[11] = 0;
        Assert.Equal(0xB861, InternetChecksum.Compute(zeroed));
    }

    [Fact]
    public void KnownPacketParses()
    {
        byte[] packet = new byte[0x73];
        KnownHeader.CopyTo(packet, 0);
        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(20, ip.HeaderLength);
        Assert.Equal(0x73, ip.TotalLength);
        Assert.Equal(IpProtocol.Udp, ip.Protocol);
        Assert.Equal(64, ip.TimeToLive);
        Assert.True(ip.DontFragment);
        Assert.Equal(0xB861, ip.HeaderChecksum);
        Assert.Equal(IpAddress.Parse("192.168.0.1"), ip.Source);
        Assert.Equal(IpAddress.Parse("192.168.0.199"), ip.Destination);
        Assert.Equal(0x73 - 20, ip.Payload.Length);

        // Any single corrupted header byte breaks it.
        for (int i = 0; i < KnownHeader.Length; i++)
        {
            byte[] bad = (byte[])packet.Clone();
            bad[i] ^= 0x10;
            Assert.NotEqual(DropReason.None, Parse(bad));
        }
    }

    [Fact]
    public void WriterReproducesTheKnownHeaderByteForByte()
    {
        byte[] header = new byte[20];
        int n = IPv4Header.Write(header, IpAddress.Parse("192.168.0.1"), IpAddress.Parse("192.168.0.199"), IpProtocol.Udp,
            0x73 - 20, identification: 0, timeToLive: 64);
        Assert.Equal(20, n);
        Assert.Equal(KnownHeader, header);
    }

    [Fact]
    public void ValidHeaderFromWriterParsesWithEveryField()
    {
        byte[] packet = ValidPacket(32);
        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(20, ip.HeaderLength);
        Assert.Equal(0, ip.TypeOfService);
        Assert.Equal(52, ip.TotalLength);
        Assert.Equal(0xBEEF, ip.Identification);
        Assert.True(ip.DontFragment);
        Assert.False(ip.MoreFragments);
        Assert.Equal(0, ip.FragmentOffset);
        Assert.Equal(IPv4Header.DefaultTimeToLive, ip.TimeToLive);
        Assert.Equal(IpProtocol.Tcp, ip.Protocol);
        Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(10)), ip.HeaderChecksum);
        Assert.Equal(ClientV4, ip.Source);
        Assert.Equal(ServerV4, ip.Destination);
        Assert.Equal(packet.AsSpan(0, 20).ToArray(), ip.Header.ToArray());
        Assert.True(ip.Options.IsEmpty);
        Assert.Equal(packet.AsSpan(20).ToArray(), ip.Payload.ToArray());
    }

    [Fact]
    public void WriterChecksumMatchesTheReference()
    {
        var random = new Random(791);
        for (int i = 0; i < 200; i++)
        {
            byte[] header = new byte[20];
            IPv4Header.Write(header, IpAddress.FromIPv4((uint)random.Next()), IpAddress.FromIPv4((uint)random.Next()),
                (byte)random.Next(256), random.Next(0, 65515), (ushort)random.Next(65536), (byte)random.Next(256));
            Assert.Equal(0, ReferenceChecksum(header));
        }
    }

    [Fact]
    public void EmptyPayloadIsAllowed()
    {
        byte[] packet = ValidPacket(0);
        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out _));
        Assert.True(ip.Payload.IsEmpty);
    }

    [Fact]
    public void TruncatedBelowTheMinimumHeader()
    {
        byte[] packet = ValidPacket(0);
        for (int length = 0; length < 20; length++)
        {
            Assert.Equal(DropReason.Truncated, Parse(packet.AsSpan(0, length)));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(5)]
    [InlineData(15)]
    public void OtherVersionsAreUnsupported(int version)
    {
        byte[] packet = ValidPacket();
        packet[0] = (byte)(version << 4 | 5);
        FixIPv4Checksum(packet);
        Assert.Equal(DropReason.UnsupportedIpVersion, Parse(packet));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void HeaderLengthBelowFiveWords(int ihl)
    {
        byte[] packet = ValidPacket();
        packet[0] = (byte)(0x40 | ihl);
        Assert.Equal(DropReason.BadIpHeaderLength, Parse(packet));
    }

    [Fact]
    public void HeaderLengthBeyondTheBuffer()
    {
        byte[] packet = ValidPacket(0);
        packet[0] = 0x46;
        Assert.Equal(DropReason.BadIpHeaderLength, Parse(packet));
        byte[] longer = ValidPacket(39);
        longer[0] = 0x4F;
        Assert.Equal(DropReason.BadIpHeaderLength, Parse(longer));
    }

    [Fact]
    public void TotalLengthShorterThanTheHeader()
    {
        byte[] packet = ValidPacket();
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 19);
        FixIPv4Checksum(packet);
        Assert.Equal(DropReason.BadIpTotalLength, Parse(packet));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 0);
        FixIPv4Checksum(packet);
        Assert.Equal(DropReason.BadIpTotalLength, Parse(packet));
    }

    [Fact]
    public void TotalLengthLongerThanTheBuffer()
    {
        byte[] packet = ValidPacket(32);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)(packet.Length + 1));
        FixIPv4Checksum(packet);
        Assert.Equal(DropReason.BadIpTotalLength, Parse(packet));
        Assert.Equal(DropReason.BadIpTotalLength, Parse(ValidPacket(32).AsSpan(0, 51)));
    }

    [Fact]
    public void BadHeaderChecksum()
    {
        byte[] packet = ValidPacket();
        packet[11] ^= 1;
        Assert.Equal(DropReason.BadIpChecksum, Parse(packet));
        packet = ValidPacket();
        packet[8]--;
        Assert.Equal(DropReason.BadIpChecksum, Parse(packet));
    }

    [Fact]
    public void PayloadCorruptionIsNotTheIpLayersBusiness()
    {
        byte[] packet = ValidPacket();
        packet[30] ^= 0xFF;
        Assert.Equal(DropReason.None, Parse(packet));
    }

    [Theory]
    [InlineData(0x2000)] // MF
    [InlineData(0x6000)] // DF + MF
    [InlineData(0x0001)] // offset 8
    [InlineData(0x4001)] // DF + offset 8
    [InlineData(0x1FFF)] // largest offset
    [InlineData(0x3FFF)]
    public void FragmentsAreRejected(int flagsAndOffset)
    {
        byte[] packet = ValidPacket();
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), (ushort)flagsAndOffset);
        FixIPv4Checksum(packet);
        Assert.Equal(DropReason.Fragment, Parse(packet));
    }

    [Fact]
    public void FragmentAccessorsDecodeTheField()
    {
        byte[] packet = ValidPacket();
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), 0x0000);
        FixIPv4Checksum(packet);
        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out _));
        Assert.False(ip.DontFragment);
        Assert.False(ip.MoreFragments);
        Assert.Equal(0, ip.FragmentOffset);
    }

    [Fact]
    public void OptionsAreSkippedByHeaderLength()
    {
        // IHL = 6: a Router Alert option (RFC 2113: 94 04 00 00) between the fixed header and the payload.
        byte[] payload = [0xDE, 0xAD, 0xBE, 0xEF, 0x01];
        byte[] packet = new byte[24 + payload.Length];
        IPv4Header.Write(packet, ClientV4, ServerV4, IpProtocol.Tcp, payload.Length + 4, 7);
        packet[0] = 0x46;
        packet[20] = 0x94;
        packet[21] = 0x04;
        payload.CopyTo(packet, 24);
        FixIPv4Checksum(packet);

        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out DropReason reason), reason.ToString());
        Assert.Equal(24, ip.HeaderLength);
        Assert.Equal(new byte[] { 0x94, 0x04, 0x00, 0x00 }, ip.Options.ToArray());
        Assert.Equal(24, ip.Header.Length);
        Assert.Equal(payload, ip.Payload.ToArray());
    }

    [Fact]
    public void MaximalOptionsAreSkippedAndGarbageOptionsDoNotMatter()
    {
        byte[] packet = new byte[60 + 3];
        IPv4Header.Write(packet, ClientV4, ServerV4, IpProtocol.Icmp, 40 + 3, 7);
        packet[0] = 0x4F;
        for (int i = 20; i < 60; i++)
        {
            packet[i] = 0xFF; // nonsense option bytes, never interpreted
        }
        FixIPv4Checksum(packet);
        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out _));
        Assert.Equal(60, ip.HeaderLength);
        Assert.Equal(40, ip.Options.Length);
        Assert.Equal(3, ip.Payload.Length);
    }

    [Fact]
    public void HeaderOnlyPacketWithOptionsHasEmptyPayload()
    {
        byte[] packet = new byte[24];
        IPv4Header.Write(packet, ClientV4, ServerV4, IpProtocol.Tcp, 4, 7);
        packet[0] = 0x46;
        FixIPv4Checksum(packet);
        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out _));
        Assert.True(ip.Payload.IsEmpty);
    }

    [Fact]
    public void LinkPaddingBeyondTotalLengthIsExcludedFromPayload()
    {
        // A 40-byte packet in a minimum 46-byte Ethernet payload carries 6 bytes of padding.
        byte[] packet = ValidPacket(20, trailingPadding: 6);
        packet.AsSpan(40).Fill(0xAA);
        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out _));
        Assert.Equal(40, ip.TotalLength);
        Assert.Equal(20, ip.Payload.Length);
        Assert.DoesNotContain((byte)0xAA, ip.Payload.ToArray());
    }
}
