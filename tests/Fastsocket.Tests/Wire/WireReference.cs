using System.Buffers.Binary;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Wire;

/// <summary>
/// Independent reference arithmetic and sample values shared by the wire tests (packets come from <see cref="PacketBuilder"/>). The reference checksum is the
/// textbook RFC 1071 loop over big-endian 16-bit words, deliberately unlike the vectorized native-order code under test.
/// </summary>
internal static class WireReference
{
    public static readonly IpAddress ClientV4 = IpAddress.FromIPv4(192, 0, 2, 10);
    public static readonly IpAddress ServerV4 = IpAddress.FromIPv4(198, 51, 100, 20);
    public static readonly IpAddress ClientV6 = IpAddress.Parse("2001:db8::10");
    public static readonly IpAddress ServerV6 = IpAddress.Parse("2001:db8:ffff::abcd:20");

    /// <summary>RFC 1071 one's-complement sum of big-endian words (odd byte padded with a zero low byte), not complemented.</summary>
    public static ushort ReferenceSum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        uint sum = initial;
        for (int i = 0; i < data.Length; i += 2)
        {
            uint word = (uint)data[i] << 8;
            if (i + 1 < data.Length)
            {
                word |= data[i + 1];
            }
            sum += word;
            if (sum > 0xFFFF)
            {
                sum = (sum & 0xFFFF) + 1;
            }
        }
        return (ushort)sum;
    }

    /// <summary>RFC 1071 checksum as the big-endian number that goes on the wire.</summary>
    public static ushort ReferenceChecksum(ReadOnlySpan<byte> data) => (ushort)~ReferenceSum(data);

    /// <summary>Converts a native-order value from <see cref="InternetChecksum.Fold"/> to the big-endian number it represents.</summary>
    public static ushort NativeToWire(ushort native) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(native) : native;

    /// <summary>The pseudo-header as bytes, laid out per RFC 9293 3.1 (IPv4) or RFC 8200 8.1 (IPv6).</summary>
    public static byte[] PseudoHeaderBytes(IpAddress source, IpAddress destination, byte protocol, int upperLayerLength)
    {
        if (source.IsIPv4)
        {
            byte[] p = new byte[12];
            BinaryPrimitives.WriteUInt32BigEndian(p, source.V4);
            BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), destination.V4);
            p[8] = 0;
            p[9] = protocol;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), (ushort)upperLayerLength);
            return p;
        }
        byte[] q = new byte[40];
        BinaryPrimitives.WriteUInt64BigEndian(q, source.High);
        BinaryPrimitives.WriteUInt64BigEndian(q.AsSpan(8), source.Low);
        BinaryPrimitives.WriteUInt64BigEndian(q.AsSpan(16), destination.High);
        BinaryPrimitives.WriteUInt64BigEndian(q.AsSpan(24), destination.Low);
        BinaryPrimitives.WriteUInt32BigEndian(q.AsSpan(32), (uint)upperLayerLength);
        q[39] = protocol;
        return q;
    }

    /// <summary>Recomputes an IPv4 header checksum in place with the reference algorithm (header length from IHL).</summary>
    public static void FixIPv4Checksum(Span<byte> packet)
    {
        int ihl = (packet[0] & 0x0F) * 4;
        packet[10] = 0;
        packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], ReferenceChecksum(packet[..ihl]));
    }

    /// <summary>Recomputes a TCP checksum in place with the reference algorithm over pseudo-header and segment.</summary>
    public static void FixTcpChecksum(Span<byte> segment, IpAddress source, IpAddress destination)
    {
        segment[16] = 0;
        segment[17] = 0;
        byte[] pseudo = PseudoHeaderBytes(source, destination, IpProtocol.Tcp, segment.Length);
        ushort sum = ReferenceSum(segment, ReferenceSum(pseudo));
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], (ushort)~sum);
    }

    /// <summary>A segment with the wire tests' sample header values (ports 40000 to 443, ACK|PSH, fixed numbers), to add options and payload to.</summary>
    public static PacketBuilder SampleSegment(IpAddress source, IpAddress destination) =>
        PacketBuilder.Tcp(source, 40000, destination, 443).Flags(TcpFlags.Ack | TcpFlags.Psh).Seq(0x01020304).Ack(0xA0B0C0D0).Window(65000);

    /// <summary>Typical established-connection options: timestamps and two SACK blocks.</summary>
    public static TcpOptions SampleOptions()
    {
        TcpOptions options = default;
        options.HasTimestamps = true;
        options.TsVal = 0x11223344;
        options.TsEcr = 0x55667788;
        options.SackCount = 2;
        options.Sack[0] = new SackBlock(1000, 2000);
        options.Sack[1] = new SackBlock(3000, 4000);
        return options;
    }

    public static byte[] RandomBytes(Random random, int length)
    {
        byte[] data = new byte[length];
        random.NextBytes(data);
        return data;
    }
}
