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
        payload.CopyTo(destination[HeaderLength(options)..]);
        return WriteAroundPayload(destination, source, sourcePort, target, targetPort, sequence, acknowledgment, flags, window, options, payload.Length);
    }

    /// <summary>
    /// Like <see cref="Write"/>, for a payload the caller has already placed at
    /// <c>destination[HeaderLength(options)..]</c> (copied straight from a send buffer, so it is copied once).
    /// </summary>
    public static int WriteAroundPayload(Span<byte> destination, IpAddress source, ushort sourcePort, IpAddress target, ushort targetPort,
        uint sequence, uint acknowledgment, TcpFlags flags, ushort window, in TcpOptions options, int payloadLength)
    {
        int optionLength = options.WireLength;
        int headerLength = TcpHeader.MinLength + optionLength;
        int total = headerLength + payloadLength;
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
        ulong sum = InternetChecksum.PseudoHeader(source, target, IpProtocol.Tcp, total);
        sum = InternetChecksum.Accumulate(seg, sum);
        InternetChecksum.Store(seg[16..], InternetChecksum.Finish(sum));
        return total;
    }

    /// <summary>Length of the TCP header that <paramref name="options"/> produce.</summary>
    public static int HeaderLength(in TcpOptions options) => TcpHeader.MinLength + options.WireLength;
}
