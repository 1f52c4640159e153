using System.Buffers.Binary;

namespace Fastsocket.Wire;

/// <summary>Writes a complete TCP segment (header, options, payload) with its checksum over the pseudo-header.</summary>
public static class TcpSegmentWriter
{
    /// <summary>
    /// Writes the segment into <paramref name="destination"/> and returns its length. The payload is copied in,
    /// and the checksum is computed in the same pass over the finished bytes.
    /// </summary>
    public static int Write(Span<byte> destination, IpAddress source, ushort sourcePort, IpAddress target, ushort targetPort,
        uint sequence, uint acknowledgment, TcpFlags flags, ushort window, in TcpOptions options, ReadOnlySpan<byte> payload)
    {
        int optionLength = options.WireLength;
        int headerLength = TcpHeader.MinLength + optionLength;
        int total = headerLength + payload.Length;
        Span<byte> seg = destination[..total];
        BinaryPrimitives.WriteUInt16BigEndian(seg, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(seg[2..], targetPort);
        BinaryPrimitives.WriteUInt32BigEndian(seg[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(seg[8..], acknowledgment);
        seg[12] = (byte)(headerLength / 4 << 4);
        seg[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(seg[14..], window);
        seg[16] = 0;
        seg[17] = 0;
        seg[18] = 0;
        seg[19] = 0;
        if (optionLength > 0)
        {
            options.WriteTo(seg[TcpHeader.MinLength..]);
        }
        payload.CopyTo(seg[headerLength..]);
        ulong sum = InternetChecksum.PseudoHeader(source, target, IpProtocol.Tcp, total);
        sum = InternetChecksum.Accumulate(seg, sum);
        InternetChecksum.Store(seg[16..], InternetChecksum.Finish(sum));
        return total;
    }
}
