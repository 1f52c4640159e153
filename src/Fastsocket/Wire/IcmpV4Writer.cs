using System.Buffers.Binary;

namespace Fastsocket.Wire;

/// <summary>Writes ICMPv4 messages (without the IP header).</summary>
public static class IcmpV4Writer
{
    /// <summary>An echo message (request or reply) carrying <paramref name="data"/>; returns its length.</summary>
    public static int WriteEcho(Span<byte> destination, bool reply, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        int length = IcmpV4Packet.HeaderLength + data.Length;
        Span<byte> m = destination[..length];
        m[0] = reply ? IcmpV4Packet.TypeEchoReply : IcmpV4Packet.TypeEchoRequest;
        m[1] = 0;
        m[2] = 0;
        m[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(m[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(m[6..], sequence);
        data.CopyTo(m[8..]);
        InternetChecksum.Store(m[2..], InternetChecksum.Finish(InternetChecksum.Accumulate(m)));
        return length;
    }

    /// <summary>
    /// A destination-unreachable message quoting the offending packet's IP header and the first 8 bytes of its
    /// payload (RFC 792), which is all a sender needs to match it to a connection.
    /// </summary>
    public static int WriteDestinationUnreachable(Span<byte> destination, byte code, ReadOnlySpan<byte> offendingPacket, ushort nextHopMtu = 0)
    {
        int quoted = offendingPacket.Length;
        if (quoted >= IPv4Packet.MinHeaderLength)
        {
            int ihl = (offendingPacket[0] & 0x0F) * 4;
            quoted = Math.Min(quoted, Math.Max(ihl, IPv4Packet.MinHeaderLength) + 8);
        }
        int length = IcmpV4Packet.HeaderLength + quoted;
        Span<byte> m = destination[..length];
        m[0] = IcmpV4Packet.TypeDestinationUnreachable;
        m[1] = code;
        m[2] = 0;
        m[3] = 0;
        m[4] = 0;
        m[5] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(m[6..], nextHopMtu);
        offendingPacket[..quoted].CopyTo(m[8..]);
        InternetChecksum.Store(m[2..], InternetChecksum.Finish(InternetChecksum.Accumulate(m)));
        return length;
    }
}
