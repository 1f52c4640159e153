using System.Buffers.Binary;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

public sealed class IcmpV4ErrorViewTests
{
    private static readonly IpAddress s_us = IpAddress.FromIPv4(198, 18, 0, 1);
    private static readonly IpAddress s_peer = IpAddress.FromIPv4(198, 18, 7, 9);
    private static readonly IpAddress s_router = IpAddress.FromIPv4(198, 18, 3, 254);

    /// <summary>A full IPv4 packet we might have sent: a TCP segment with 100 bytes of payload.</summary>
    private static byte[] OurSegment(uint sequence = 0xCAFEBABE, ushort localPort = 33000, ushort remotePort = 443)
    {
        byte[] packet = new byte[IPv4Header.Length + TcpHeader.MaxLength + 100];
        TcpOptions none = default;
        int tcpLength = TcpSegmentWriter.Write(packet.AsSpan(IPv4Header.Length), s_us, localPort, s_peer, remotePort,
            sequence, 77, TcpFlags.Ack | TcpFlags.Psh, 1000, none, new byte[100]);
        IPv4Header.Write(packet, s_us, s_peer, IpProtocol.Tcp, tcpLength, 1);
        return packet.AsSpan(0, IPv4Header.Length + tcpLength).ToArray();
    }

    private static byte[] Unreachable(byte code, ReadOnlySpan<byte> offending, ushort nextHopMtu = 0)
    {
        byte[] buffer = new byte[IcmpV4Packet.HeaderLength + offending.Length];
        int n = IcmpV4Writer.WriteDestinationUnreachable(buffer, code, offending, nextHopMtu);
        return buffer.AsSpan(0, n).ToArray();
    }

    /// <summary>An ICMP message of any type and code with <paramref name="body"/> as its data, checksummed.</summary>
    private static byte[] Message(byte type, byte code, ReadOnlySpan<byte> body, uint restOfHeader = 0)
    {
        byte[] m = new byte[IcmpV4Packet.HeaderLength + body.Length];
        m[0] = type;
        m[1] = code;
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), restOfHeader);
        body.CopyTo(m.AsSpan(IcmpV4Packet.HeaderLength));
        InternetChecksum.Store(m.AsSpan(2), InternetChecksum.Finish(InternetChecksum.Accumulate(m)));
        return m;
    }

    private static bool Parse(byte[] message, out IcmpV4ErrorView view, out DropReason reason)
    {
        Assert.True(IcmpV4Packet.TryParse(message, out IcmpV4Packet icmp, out DropReason checksum), checksum.ToString());
        return IcmpV4ErrorView.TryParse(icmp, out view, out reason);
    }

    [Fact]
    public void ReadsThePortUnreachableQuote()
    {
        byte[] segment = OurSegment(sequence: 0x01020304, localPort: 40000, remotePort: 8080);
        Assert.True(Parse(Unreachable(IcmpV4Packet.CodePortUnreachable, segment), out IcmpV4ErrorView view, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(IcmpV4Packet.TypeDestinationUnreachable, view.Type);
        Assert.Equal(IcmpV4Packet.CodePortUnreachable, view.Code);
        Assert.Equal(IcmpErrorKind.PortUnreachable, view.Kind);
        Assert.Equal(s_us, view.QuotedSource);
        Assert.Equal(s_peer, view.QuotedDestination);
        Assert.Equal(IpProtocol.Tcp, view.QuotedProtocol);
        Assert.Equal(segment.Length, view.QuotedTotalLength);
        Assert.Equal(40000, view.QuotedSourcePort);
        Assert.Equal(8080, view.QuotedDestinationPort);
        Assert.Equal(0x01020304u, view.QuotedSequenceNumber);
        Assert.Equal(new FlowKey(s_us, 40000, s_peer, 8080), view.QuotedFlow);
        Assert.Equal(0, view.NextHopMtu);
    }

    [Fact]
    public void ReadsTheNextHopMtuOfFragmentationNeededOnly()
    {
        byte[] segment = OurSegment();
        Assert.True(Parse(Unreachable(IcmpV4Packet.CodeFragmentationNeeded, segment, nextHopMtu: 1400), out IcmpV4ErrorView view, out _));
        Assert.Equal(IcmpErrorKind.FragmentationNeeded, view.Kind);
        Assert.Equal(1400, view.NextHopMtu);

        // The same bytes in another code mean nothing (RFC 792: unused).
        Assert.True(Parse(Unreachable(1, segment, nextHopMtu: 1400), out view, out _));
        Assert.Equal(IcmpErrorKind.HostUnreachable, view.Kind);
        Assert.Equal(0, view.NextHopMtu);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void ReadsTimeExceeded(byte code)
    {
        byte[] segment = OurSegment(sequence: 5);
        byte[] quote = segment.AsSpan(0, IPv4Header.Length + 8).ToArray();
        Assert.True(Parse(Message(IcmpV4ErrorView.TypeTimeExceeded, code, quote), out IcmpV4ErrorView view, out _));
        Assert.Equal(IcmpErrorKind.TimeExceeded, view.Kind);
        Assert.Equal(code, view.Code);
        Assert.Equal(5u, view.QuotedSequenceNumber);
    }

    [Fact]
    public void MapsEveryUnreachableCode()
    {
        IcmpErrorKind[] expected =
        [
            IcmpErrorKind.NetworkUnreachable, IcmpErrorKind.HostUnreachable, IcmpErrorKind.ProtocolUnreachable,
            IcmpErrorKind.PortUnreachable, IcmpErrorKind.FragmentationNeeded, IcmpErrorKind.SourceRouteFailed,
            IcmpErrorKind.NetworkUnreachable, IcmpErrorKind.HostUnreachable, IcmpErrorKind.HostUnreachable,
            IcmpErrorKind.NetworkUnreachable, IcmpErrorKind.HostUnreachable, IcmpErrorKind.NetworkUnreachable,
            IcmpErrorKind.HostUnreachable, IcmpErrorKind.AdministrativelyProhibited,
            IcmpErrorKind.AdministrativelyProhibited, IcmpErrorKind.AdministrativelyProhibited,
        ];
        for (int code = 0; code < 256; code++)
        {
            IcmpErrorKind kind = IcmpV4ErrorView.KindOfUnreachable((byte)code);
            Assert.Equal(code < expected.Length ? expected[code] : IcmpErrorKind.Unknown, kind);
        }
    }

    [Fact]
    public void SkipsQuotedIpOptionsByTheQuotedIhl()
    {
        byte[] segment = OurSegment(sequence: 0xAABBCCDD, localPort: 1234, remotePort: 5678);
        // Re-frame with a 24-byte header: IHL 6 and one 4-byte option (NOPs then end of list).
        byte[] withOptions = new byte[segment.Length + 4];
        segment.AsSpan(0, 20).CopyTo(withOptions);
        withOptions[0] = 0x46;
        withOptions[20] = 1;
        withOptions[21] = 1;
        withOptions[22] = 1;
        withOptions[23] = 0;
        segment.AsSpan(20).CopyTo(withOptions.AsSpan(24));
        BinaryPrimitives.WriteUInt16BigEndian(withOptions.AsSpan(2), (ushort)withOptions.Length);

        byte[] message = Unreachable(IcmpV4Packet.CodePortUnreachable, withOptions);
        Assert.Equal(IcmpV4Packet.HeaderLength + 24 + 8, message.Length);
        Assert.True(Parse(message, out IcmpV4ErrorView view, out _));
        Assert.Equal(1234, view.QuotedSourcePort);
        Assert.Equal(5678, view.QuotedDestinationPort);
        Assert.Equal(0xAABBCCDDu, view.QuotedSequenceNumber);
    }

    [Fact]
    public void RejectsEveryTruncationOfTheQuote()
    {
        byte[] segment = OurSegment();
        for (int length = 0; length < IPv4Header.Length + IcmpV4ErrorView.QuotedPayloadBytes; length++)
        {
            byte[] message = Message(IcmpV4Packet.TypeDestinationUnreachable, IcmpV4Packet.CodePortUnreachable, segment.AsSpan(0, length));
            Assert.False(Parse(message, out IcmpV4ErrorView view, out DropReason reason), $"quote of {length} bytes");
            Assert.Equal(DropReason.IcmpBadQuote, reason);
            Assert.Equal(default, view.QuotedFlow);
        }
    }

    [Theory]
    [InlineData(0x65)] // version 6
    [InlineData(0x44)] // IHL 4 (16 bytes): shorter than any IPv4 header
    [InlineData(0x40)] // IHL 0
    [InlineData(0x4F)] // IHL 15 (60 bytes): more header than was quoted
    [InlineData(0x47)] // IHL 7 (28 bytes): the header fits, the 8 transport bytes do not
    public void RejectsMalformedQuotedHeaders(byte versionAndIhl)
    {
        byte[] quote = OurSegment().AsSpan(0, IPv4Header.Length + 8).ToArray();
        quote[0] = versionAndIhl;
        Assert.False(Parse(Message(3, 3, quote), out _, out DropReason reason));
        Assert.Equal(DropReason.IcmpBadQuote, reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(27)]
    public void RejectsAQuotedTotalLengthTooShortForItsOwnHeader(int totalLength)
    {
        byte[] quote = OurSegment().AsSpan(0, IPv4Header.Length + 8).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(2), (ushort)totalLength);
        Assert.False(Parse(Message(3, 3, quote), out _, out DropReason reason));
        Assert.Equal(DropReason.IcmpBadQuote, reason);
    }

    [Fact]
    public void RejectsAQuoteOfANonFirstFragment()
    {
        byte[] quote = OurSegment().AsSpan(0, IPv4Header.Length + 8).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(6), 0x2000 | 185); // MF, offset 1480
        Assert.False(Parse(Message(3, 3, quote), out _, out DropReason reason));
        Assert.Equal(DropReason.IcmpBadQuote, reason);

        // The first fragment of a fragmented packet (MF set, offset 0) does carry the transport header.
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(6), 0x2000);
        Assert.True(Parse(Message(3, 3, quote), out _, out _));
    }

    [Fact]
    public void ReadsOtherProtocolsQuotesForTheCallerToFilter()
    {
        byte[] quote = new byte[IPv4Header.Length + 8];
        IPv4Header.Write(quote, s_us, s_router, IpProtocol.Udp, 8, 9);
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(20), 5353);
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(22), 53);
        Assert.True(Parse(Message(3, 3, quote), out IcmpV4ErrorView view, out _));
        Assert.Equal(IpProtocol.Udp, view.QuotedProtocol);
        Assert.Equal(5353, view.QuotedSourcePort);
        Assert.Equal(53, view.QuotedDestinationPort);
    }

    [Theory]
    [InlineData(IcmpV4Packet.TypeEchoRequest)]
    [InlineData(IcmpV4Packet.TypeEchoReply)]
    [InlineData(5)]  // redirect
    [InlineData(12)] // parameter problem
    public void OtherTypesAreNotErrorsOfThisView(byte type)
    {
        byte[] quote = OurSegment().AsSpan(0, IPv4Header.Length + 8).ToArray();
        Assert.False(Parse(Message(type, 0, quote), out _, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
    }

    [Fact]
    public void RandomQuotesNeverThrow()
    {
        var random = new Random(792);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] body = new byte[random.Next(0, 80)];
            random.NextBytes(body);
            if (random.Next(2) == 0 && body.Length > 0)
            {
                body[0] = (byte)(0x40 | (body[0] & 0x0F));
                if (body.Length > 7)
                {
                    body[6] &= 0xE0;
                    body[7] = 0;
                }
            }
            byte type = random.Next(2) == 0 ? IcmpV4Packet.TypeDestinationUnreachable : IcmpV4ErrorView.TypeTimeExceeded;
            byte[] message = Message(type, (byte)random.Next(256), body, (uint)random.Next());
            if (Parse(message, out IcmpV4ErrorView view, out DropReason reason))
            {
                accepted++;
                Assert.True(view.QuotedTotalLength >= 28);
            }
            else
            {
                Assert.Equal(DropReason.IcmpBadQuote, reason);
            }
        }
        Assert.InRange(accepted, 1, 19_999);
    }
}
