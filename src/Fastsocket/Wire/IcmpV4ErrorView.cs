using System.Buffers.Binary;

namespace Fastsocket.Wire;

/// <summary>
/// An ICMPv4 error (destination unreachable, time exceeded; RFC 792) read down to the packet it quotes: the quoted
/// IPv4 header and the first 8 bytes of its payload, which for TCP hold both ports and the sequence number
/// (RFC 792: "Internet Header + 64 bits of Original Data Datagram"). <see cref="TryParse"/> checks every length a
/// field depends on, so nothing here reads past the message, and copies the fields out: the view holds no span.
/// </summary>
/// <remarks>
/// The quoted packet was sent by us, so its source is our address and its destination the peer; the flow key of the
/// connection it concerns is therefore (QuotedSource:QuotedSourcePort, QuotedDestination:QuotedDestinationPort).
/// The quoted header checksum is not verified: routers quote the header as they saw it.
/// </remarks>
public readonly struct IcmpV4ErrorView
{
    /// <summary>ICMP type 11, time exceeded.</summary>
    public const byte TypeTimeExceeded = 11;

    /// <summary>Bytes of the quoted payload RFC 792 guarantees: enough for TCP's ports and sequence number.</summary>
    public const int QuotedPayloadBytes = 8;

    private const int HighestUnreachableCode = 15;

    private IcmpV4ErrorView(byte type, byte code, IcmpErrorKind kind, ushort nextHopMtu, IpAddress quotedSource,
        IpAddress quotedDestination, byte quotedProtocol, int quotedTotalLength, ushort quotedSourcePort,
        ushort quotedDestinationPort, uint quotedSequenceNumber)
    {
        Type = type;
        Code = code;
        Kind = kind;
        NextHopMtu = nextHopMtu;
        QuotedSource = quotedSource;
        QuotedDestination = quotedDestination;
        QuotedProtocol = quotedProtocol;
        QuotedTotalLength = quotedTotalLength;
        QuotedSourcePort = quotedSourcePort;
        QuotedDestinationPort = quotedDestinationPort;
        QuotedSequenceNumber = quotedSequenceNumber;
    }

    /// <summary>The ICMP type: 3 (destination unreachable) or 11 (time exceeded).</summary>
    public byte Type { get; }

    /// <summary>The ICMP code as received.</summary>
    public byte Code { get; }

    /// <summary>The meaning of <see cref="Type"/> and <see cref="Code"/>.</summary>
    public IcmpErrorKind Kind { get; }

    /// <summary>The next-hop MTU of a fragmentation-needed error (RFC 1191); 0 from routers that predate it, and for other errors.</summary>
    public ushort NextHopMtu { get; }

    /// <summary>The quoted packet's source: our address when the packet was ours.</summary>
    public IpAddress QuotedSource { get; }

    /// <summary>The quoted packet's destination: the peer.</summary>
    public IpAddress QuotedDestination { get; }

    /// <summary>The quoted packet's protocol (see <see cref="IpProtocol"/>).</summary>
    public byte QuotedProtocol { get; }

    /// <summary>The quoted packet's Total Length: what RFC 1191's plateau search starts below when no MTU was given.</summary>
    public int QuotedTotalLength { get; }

    /// <summary>The first 16 bits of the quoted payload: TCP's (and UDP's) source port.</summary>
    public ushort QuotedSourcePort { get; }

    /// <summary>The next 16 bits of the quoted payload: TCP's (and UDP's) destination port.</summary>
    public ushort QuotedDestinationPort { get; }

    /// <summary>Bytes 4..7 of the quoted payload: the TCP sequence number of the quoted segment.</summary>
    public uint QuotedSequenceNumber { get; }

    /// <summary>The connection the quoted segment belongs to, seen from our side (we sent it).</summary>
    public FlowKey QuotedFlow => new(QuotedSource, QuotedSourcePort, QuotedDestination, QuotedDestinationPort);

    /// <summary>
    /// Reads an ICMP error out of a checked <paramref name="icmp"/>. False with <see cref="DropReason.None"/> for a
    /// message that is no error of these types (echo, redirect...: not for this view); false with
    /// <see cref="DropReason.IcmpBadQuote"/> when the quote is too short or not an IPv4 header, or quotes a fragment
    /// other than the first (whose first 8 bytes are no transport header).
    /// </summary>
    public static bool TryParse(in IcmpV4Packet icmp, out IcmpV4ErrorView view, out DropReason reason)
    {
        view = default;
        IcmpErrorKind kind;
        ushort nextHopMtu = 0;
        switch (icmp.Type)
        {
            case IcmpV4Packet.TypeDestinationUnreachable:
                kind = KindOfUnreachable(icmp.Code);
                if (kind == IcmpErrorKind.FragmentationNeeded)
                {
                    nextHopMtu = icmp.NextHopMtu;
                }
                break;
            case TypeTimeExceeded:
                kind = IcmpErrorKind.TimeExceeded;
                break;
            default:
                reason = DropReason.None;
                return false;
        }

        ReadOnlySpan<byte> quote = icmp.Body;
        if (quote.Length < IPv4Packet.MinHeaderLength || quote[0] >> 4 != 4)
        {
            reason = DropReason.IcmpBadQuote;
            return false;
        }
        int headerLength = (quote[0] & 0x0F) * 4;
        if (headerLength < IPv4Packet.MinHeaderLength || quote.Length < headerLength + QuotedPayloadBytes)
        {
            reason = DropReason.IcmpBadQuote;
            return false;
        }
        int quotedTotalLength = BinaryPrimitives.ReadUInt16BigEndian(quote[2..]);
        int fragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(quote[6..]) & 0x1FFF;
        if (quotedTotalLength < headerLength + QuotedPayloadBytes || fragmentOffset != 0)
        {
            reason = DropReason.IcmpBadQuote;
            return false;
        }
        ReadOnlySpan<byte> payload = quote.Slice(headerLength, QuotedPayloadBytes);
        view = new IcmpV4ErrorView(icmp.Type, icmp.Code, kind, nextHopMtu,
            IpAddress.FromIPv4Bytes(quote[12..]), IpAddress.FromIPv4Bytes(quote[16..]), quote[9], quotedTotalLength,
            BinaryPrimitives.ReadUInt16BigEndian(payload), BinaryPrimitives.ReadUInt16BigEndian(payload[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(payload[4..]));
        reason = DropReason.None;
        return true;
    }

    /// <summary>The meaning of a destination-unreachable code (RFC 792 codes 0-5, RFC 1122 6-12, RFC 1812 13-15).</summary>
    public static IcmpErrorKind KindOfUnreachable(byte code) => code switch
    {
        0 or 6 or 9 or 11 => IcmpErrorKind.NetworkUnreachable,
        1 or 7 or 8 or 10 or 12 => IcmpErrorKind.HostUnreachable,
        2 => IcmpErrorKind.ProtocolUnreachable,
        3 => IcmpErrorKind.PortUnreachable,
        IcmpV4Packet.CodeFragmentationNeeded => IcmpErrorKind.FragmentationNeeded,
        5 => IcmpErrorKind.SourceRouteFailed,
        <= HighestUnreachableCode => IcmpErrorKind.AdministrativelyProhibited,
        _ => IcmpErrorKind.Unknown,
    };
}
