using System.Buffers.Binary;

namespace Fastsocket.Wire;

/// <summary>A checked, zero-copy view of a TCP segment (RFC 9293 3.1): header, options and payload.</summary>
public readonly ref struct TcpHeader
{
    /// <summary>The header length without options (data offset 5), in bytes.</summary>
    public const int MinLength = 20;
    /// <summary>The largest header (data offset 15), in bytes: 20 fixed plus 40 of options.</summary>
    public const int MaxLength = 60;

    private readonly ReadOnlySpan<byte> _segment;

    private TcpHeader(ReadOnlySpan<byte> segment)
    {
        _segment = segment;
    }

    /// <summary>The sender's port, host byte order.</summary>
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_segment);

    /// <summary>The receiver's port, host byte order.</summary>
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_segment[2..]);

    /// <summary>The raw 32-bit sequence number; compare with modular arithmetic (RFC 9293 3.4), never with &lt;.</summary>
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_segment[4..]);

    /// <summary>The raw 32-bit acknowledgment number; meaningful only when <see cref="TcpFlags.Ack"/> is set.</summary>
    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(_segment[8..]);

    /// <summary>The data offset in bytes (20 to 60), options included; <see cref="TryParse"/> checked it fits the segment.</summary>
    public int HeaderLength => (_segment[12] >> 4) * 4;

    /// <summary>The three reserved bits (must be zero on send, ignored on receive).</summary>
    public int Reserved => (_segment[12] >> 1) & 0x7;

    /// <summary>The eight control bits of byte 13 (CWR through FIN); the reserved bits are in <see cref="Reserved"/>.</summary>
    public TcpFlags Flags => (TcpFlags)_segment[13];

    /// <summary>The raw window field; shift it by the peer's window scale (RFC 7323 2.3) except on a SYN.</summary>
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_segment[14..]);

    /// <summary>The checksum as received, host byte order; verified only if <see cref="TryParse"/> was asked to.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_segment[16..]);

    /// <summary>The urgent pointer; urgent data is not supported, so the stack ignores it.</summary>
    public ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_segment[18..]);

    /// <summary>The raw options area (0 to 40 bytes), to be read with <see cref="TcpOptions.TryParse"/>.</summary>
    public ReadOnlySpan<byte> Options => _segment[MinLength..HeaderLength];

    /// <summary>The data after the header; a slice of the parsed buffer, valid only as long as it is.</summary>
    public ReadOnlySpan<byte> Payload => _segment[HeaderLength..];

    /// <summary>The whole segment in bytes, header and payload (not the RFC's SEG.LEN, which also counts SYN and FIN).</summary>
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
