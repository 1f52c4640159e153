using System.Buffers.Binary;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Support;

/// <summary>
/// The one packet builder of the tests: an IPv4 (or IPv6) packet carrying a TCP segment, an ICMP echo or raw bytes,
/// written by the stack's own writers, with switches to break it on purpose (bad checksums, lengths that lie,
/// truncation, trailing bytes). Fluent and mutable: set what the test cares about, then <see cref="Build"/>.
/// </summary>
public sealed class PacketBuilder
{
    /// <summary>The bytes after the IPv4 and TCP headers of an option-less segment, where <see cref="Tag"/> puts its number.</summary>
    public const int TagOffset = IPv4Header.Length + TcpHeader.MinLength;

    private const int IPv6HeaderLength = 40;

    private readonly IpAddress _source;
    private readonly IpAddress _destination;
    private byte _protocol;
    private ushort _identification = 1;
    private byte _timeToLive = IPv4Header.DefaultTimeToLive;

    private ushort _sourcePort;
    private ushort _destinationPort;
    private uint _seq;
    private uint _ack;
    private TcpFlags _flags;
    private ushort _window = 65535;
    private TcpOptions _options;
    private byte[] _payload = [];

    private bool _rawPayload;
    private bool _icmpEcho;
    private bool _icmpReply;
    private ushort _icmpIdentifier;
    private ushort _icmpSequence;

    private bool _badIpChecksum;
    private bool _badTcpChecksum;
    private int? _ipTotalLength;
    private int? _tcpDataOffsetBytes;
    private int? _truncateTo;
    private int _trailingPadding;

    private PacketBuilder(IpAddress source, IpAddress destination, byte protocol)
    {
        _source = source;
        _destination = destination;
        _protocol = protocol;
    }

    /// <summary>A TCP segment (flags none, seq and ack 0, window 65535, no options, no payload until set).</summary>
    public static PacketBuilder Tcp(IpAddress source, ushort sourcePort, IpAddress destination, ushort destinationPort) =>
        new(source, destination, IpProtocol.Tcp) { _sourcePort = sourcePort, _destinationPort = destinationPort };

    /// <summary>An IP packet whose payload is exactly the bytes given with <see cref="Payload(byte[])"/>.</summary>
    public static PacketBuilder Ip(IpAddress source, IpAddress destination, byte protocol) =>
        new(source, destination, protocol) { _rawPayload = true };

    /// <summary>An ICMP echo request (or reply) with the data given with <see cref="Payload(byte[])"/>.</summary>
    public static PacketBuilder IcmpEcho(IpAddress source, IpAddress destination, ushort identifier, ushort sequence, bool reply = false) =>
        new(source, destination, IpProtocol.Icmp) { _icmpEcho = true, _icmpReply = reply, _icmpIdentifier = identifier, _icmpSequence = sequence };

    // ------------------------------------------------------------ IP header

    /// <summary>The IPv4 identification field.</summary>
    public PacketBuilder Identification(ushort value) { _identification = value; return this; }

    /// <summary>The IPv4 TTL (IPv6 hop limit).</summary>
    public PacketBuilder Ttl(byte value) { _timeToLive = value; return this; }

    /// <summary>The protocol number in the IP header (say, one the stack does not speak), whatever the payload is.</summary>
    public PacketBuilder Protocol(byte value) { _protocol = value; return this; }

    // ------------------------------------------------------------ TCP header

    /// <summary>The source port, for a builder reused across flows.</summary>
    public PacketBuilder SourcePort(ushort value) { _sourcePort = value; return this; }

    /// <summary>The destination port, for a builder reused across flows.</summary>
    public PacketBuilder DestinationPort(ushort value) { _destinationPort = value; return this; }

    /// <summary>SEG.SEQ.</summary>
    public PacketBuilder Seq(uint value) { _seq = value; return this; }

    /// <summary>SEG.ACK.</summary>
    public PacketBuilder Ack(uint value) { _ack = value; return this; }

    /// <summary>The control bits.</summary>
    public PacketBuilder Flags(TcpFlags value) { _flags = value; return this; }

    /// <summary>SEG.WND as it goes on the wire (unscaled).</summary>
    public PacketBuilder Window(ushort value) { _window = value; return this; }

    /// <summary>All the options at once, replacing any set before.</summary>
    public PacketBuilder Options(in TcpOptions value) { _options = value; return this; }

    /// <summary>The MSS option.</summary>
    public PacketBuilder Mss(ushort value) { _options.HasMss = true; _options.Mss = value; return this; }

    /// <summary>The window-scale option (RFC 7323 2).</summary>
    public PacketBuilder WindowScale(byte shift) { _options.HasWindowScale = true; _options.WindowScale = shift; return this; }

    /// <summary>The SACK-permitted option (RFC 2018).</summary>
    public PacketBuilder SackPermitted() { _options.SackPermitted = true; return this; }

    /// <summary>The timestamps option (RFC 7323 3).</summary>
    public PacketBuilder Timestamps(uint tsVal, uint tsEcr) { _options.HasTimestamps = true; _options.TsVal = tsVal; _options.TsEcr = tsEcr; return this; }

    /// <summary>SACK blocks (RFC 2018), replacing any set before.</summary>
    public PacketBuilder Sack(params SackBlock[] blocks)
    {
        _options.SackCount = blocks.Length;
        for (int i = 0; i < blocks.Length; i++)
        {
            _options.Sack[i] = blocks[i];
        }
        return this;
    }

    /// <summary>The payload: segment text, ICMP echo data or the raw IP payload.</summary>
    public PacketBuilder Payload(byte[] value) { _payload = value; return this; }

    /// <summary>The payload is a copy of <paramref name="value"/>.</summary>
    public PacketBuilder Payload(ReadOnlySpan<byte> value) { _payload = value.ToArray(); return this; }

    /// <summary>
    /// An 8-byte little-endian number as the payload, so tests that only classify or move packets can check their
    /// order (read back with <see cref="TagOf"/>). Reuses the payload array when it already has that size.
    /// </summary>
    public PacketBuilder Tag(long value)
    {
        if (_payload.Length != sizeof(long))
        {
            _payload = new byte[sizeof(long)];
        }
        BinaryPrimitives.WriteInt64LittleEndian(_payload, value);
        return this;
    }

    // ------------------------------------------------------------ deliberate damage

    /// <summary>Flips the IPv4 header checksum after writing it.</summary>
    public PacketBuilder BadIpChecksum() { _badIpChecksum = true; return this; }

    /// <summary>Flips the TCP checksum after writing it.</summary>
    public PacketBuilder BadTcpChecksum() { _badTcpChecksum = true; return this; }

    /// <summary>An IPv4 total length that need not match the bytes (the header checksum is recomputed, so only the length lies).</summary>
    public PacketBuilder IpTotalLength(int value) { _ipTotalLength = value; return this; }

    /// <summary>A TCP data offset, in bytes, that need not match the header written (the checksum is recomputed).</summary>
    public PacketBuilder TcpDataOffset(int bytes) { _tcpDataOffsetBytes = bytes; return this; }

    /// <summary>Cuts the finished packet to its first <paramref name="length"/> bytes (checksums and lengths untouched).</summary>
    public PacketBuilder TruncateTo(int length) { _truncateTo = length; return this; }

    /// <summary>Bytes after the IP packet that its total length does not cover (an Ethernet minimum frame's padding).</summary>
    public PacketBuilder TrailingPadding(int bytes) { _trailingPadding = bytes; return this; }

    // ------------------------------------------------------------ output

    /// <summary>The whole packet.</summary>
    public byte[] Build()
    {
        byte[] buffer = new byte[IPv6HeaderLength + TcpHeader.MaxLength + 8 + _payload.Length + _trailingPadding];
        int n = WriteTo(buffer);
        return buffer[..n];
    }

    /// <summary>The TCP segment, or ICMP message, alone: what the IP header would carry.</summary>
    public byte[] BuildTransport()
    {
        byte[] buffer = new byte[TcpHeader.MaxLength + 8 + _payload.Length];
        int n = WriteTransport(buffer);
        return buffer[..n];
    }

    /// <summary>Writes the whole packet into <paramref name="destination"/> and returns its length; allocates nothing.</summary>
    public int WriteTo(Span<byte> destination)
    {
        int headerLength = _source.IsIPv4 ? IPv4Header.Length : IPv6HeaderLength;
        int transportLength = WriteTransport(destination[headerLength..]);
        if (_source.IsIPv4)
        {
            IPv4Header.Write(destination, _source, _destination, _protocol, transportLength, _identification, _timeToLive);
            if (_ipTotalLength is int total)
            {
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)total);
                RewriteIPv4Checksum(destination[..IPv4Header.Length]);
            }
            if (_badIpChecksum)
            {
                destination[10] ^= 0xFF;
            }
        }
        else
        {
            WriteIPv6Header(destination, transportLength);
        }
        int length = headerLength + transportLength;
        destination.Slice(length, _trailingPadding).Clear();
        length += _trailingPadding;
        return _truncateTo is int cut ? Math.Min(cut, length) : length;
    }

    /// <summary>Reads back the number <see cref="Tag"/> wrote into an option-less IPv4 TCP packet.</summary>
    public static long TagOf(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadInt64LittleEndian(packet[TagOffset..]);

    /// <summary>The TCP source port of an option-less IPv4 packet, read straight from its bytes.</summary>
    public static ushort SourcePortOf(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[IPv4Header.Length..]);

    /// <summary>The TCP destination port of an option-less IPv4 packet, read straight from its bytes.</summary>
    public static ushort DestinationPortOf(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[(IPv4Header.Length + 2)..]);

    private int WriteTransport(Span<byte> destination)
    {
        if (_icmpEcho)
        {
            return IcmpV4Writer.WriteEcho(destination, _icmpReply, _icmpIdentifier, _icmpSequence, _payload);
        }
        if (_rawPayload)
        {
            _payload.CopyTo(destination);
            return _payload.Length;
        }
        int length = TcpSegmentWriter.Write(destination, _source, _sourcePort, _destination, _destinationPort, _seq, _ack, _flags,
            _window, _options, _payload);
        Span<byte> segment = destination[..length];
        if (_tcpDataOffsetBytes is int offset)
        {
            segment[12] = (byte)((offset / 4) << 4 | (segment[12] & 0x0F));
            RewriteTcpChecksum(segment);
        }
        if (_badTcpChecksum)
        {
            segment[16] ^= 0xFF;
        }
        return length;
    }

    private void WriteIPv6Header(Span<byte> destination, int payloadLength)
    {
        Span<byte> h = destination[..IPv6HeaderLength];
        h.Clear();
        h[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)payloadLength);
        h[6] = _protocol;
        h[7] = _timeToLive;
        _source.WriteTo(h[8..]);
        _destination.WriteTo(h[24..]);
    }

    private static void RewriteIPv4Checksum(Span<byte> header)
    {
        header[10] = 0;
        header[11] = 0;
        InternetChecksum.Store(header[10..], InternetChecksum.Finish(InternetChecksum.Accumulate(header)));
    }

    private void RewriteTcpChecksum(Span<byte> segment)
    {
        segment[16] = 0;
        segment[17] = 0;
        ulong sum = InternetChecksum.PseudoHeader(_source, _destination, IpProtocol.Tcp, segment.Length);
        InternetChecksum.Store(segment[16..], InternetChecksum.Finish(InternetChecksum.Accumulate(segment, sum)));
    }
}
