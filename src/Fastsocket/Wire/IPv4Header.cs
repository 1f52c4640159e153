using System.Buffers.Binary;

namespace Fastsocket.Wire;

/// <summary>Writes IPv4 headers (no options) for packets we originate.</summary>
public static class IPv4Header
{
    /// <summary>Bytes <see cref="Write"/> produces: the fixed header, we never send IP options.</summary>
    public const int Length = 20;
    /// <summary>The TTL we send with, Linux's default (net.ipv4.ip_default_ttl).</summary>
    public const byte DefaultTimeToLive = 64;

    /// <summary>
    /// Writes a 20-byte header with a valid header checksum; returns the header length. <paramref name="trafficClass"/>
    /// is the second byte (RFC 2474's DSCP in the upper six bits, RFC 3168's ECN field in the lower two); DF is set
    /// unless <paramref name="dontFragment"/> is false (path MTU discovery turned off, Linux's IP_PMTUDISC_DONT).
    /// </summary>
    public static int Write(Span<byte> destination, IpAddress source, IpAddress target, byte protocol,
        int payloadLength, ushort identification, byte timeToLive = DefaultTimeToLive, byte trafficClass = 0, bool dontFragment = true)
    {
        Span<byte> h = destination[..Length];
        h[0] = 0x45;
        h[1] = trafficClass;
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(Length + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(h[6..], dontFragment ? (ushort)0x4000 : (ushort)0);
        h[8] = timeToLive;
        h[9] = protocol;
        h[10] = 0;
        h[11] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(h[12..], source.V4);
        BinaryPrimitives.WriteUInt32BigEndian(h[16..], target.V4);
        InternetChecksum.Store(h[10..], InternetChecksum.Finish(InternetChecksum.Accumulate(h)));
        return Length;
    }
}
