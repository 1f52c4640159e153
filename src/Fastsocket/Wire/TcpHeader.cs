using System.Buffers.Binary;

namespace Fastsocket.Wire;

/// <summary>A checked, zero-copy view of a TCP segment (RFC 9293 3.1): header, options and payload.</summary>
public readonly ref struct TcpHeader
{
    public const int MinLength = 20;
    public const int MaxLength = 60;

    private readonly ReadOnlySpan<byte> _segment;

    private TcpHeader(ReadOnlySpan<byte> segment)
    {
        _segment = segment;
    }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_segment);

    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_segment[2..]);

    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_segment[4..]);

    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(_segment[8..]);

    public int HeaderLength => (_segment[12] >> 4) * 4;

    /// <summary>The three reserved bits (must be zero on send, ignored on receive).</summary>
    public int Reserved => (_segment[12] >> 1) & 0x7;

    public TcpFlags Flags => (TcpFlags)_segment[13];

    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_segment[14..]);

    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_segment[16..]);

    public ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_segment[18..]);

    public ReadOnlySpan<byte> Options => _segment[MinLength..HeaderLength];

    public ReadOnlySpan<byte> Payload => _segment[HeaderLength..];

    public int SegmentLength => _segment.Length;

    /// <summary>Validates the data offset against the buffer and, when asked, the checksum with the pseudo-header.</summary>
    public static bool TryParse(ReadOnlySpan<byte> segment, IpAddress source, IpAddress destination, bool verifyChecksum,
        out TcpHeader header, out DropReason reason)
    {
        header = default;
        if (segment.Length < MinLength)
        {
            reason = DropReason.Truncated;
            return false;
        }
        int dataOffset = (segment[12] >> 4) * 4;
        if (dataOffset < MinLength || dataOffset > segment.Length)
        {
            reason = DropReason.BadTcpHeaderLength;
            return false;
        }
        if (verifyChecksum)
        {
            ulong sum = InternetChecksum.PseudoHeader(source, destination, IpProtocol.Tcp, segment.Length);
            if (!InternetChecksum.IsValid(InternetChecksum.Accumulate(segment, sum)))
            {
                reason = DropReason.BadTcpChecksum;
                return false;
            }
        }
        header = new TcpHeader(segment);
        reason = DropReason.None;
        return true;
    }
}
