using System.Buffers.Binary;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Devices.Nic;

/// <summary>
/// Builds IP packets with just the fields a NIC classifier reads filled in (no checksums), plus a sequence number
/// in the payload so ordering can be checked.
/// </summary>
internal static class NicPackets
{
    public const int SequenceOffset = 40;

    public static byte[] IPv4(string source, ushort sourcePort, string destination, ushort destinationPort,
        byte protocol = IpProtocol.Tcp, long sequence = 0) =>
        IPv4(IpAddress.Parse(source), sourcePort, IpAddress.Parse(destination), destinationPort, protocol, sequence);

    public static byte[] IPv4(IpAddress source, ushort sourcePort, IpAddress destination, ushort destinationPort,
        byte protocol = IpProtocol.Tcp, long sequence = 0)
    {
        byte[] packet = new byte[48];
        WriteIPv4(packet, source, sourcePort, destination, destinationPort, protocol, sequence);
        return packet;
    }

    /// <summary>Fills <paramref name="packet"/> (48 bytes at least) in place, so hot loops need not allocate.</summary>
    public static void WriteIPv4(Span<byte> packet, IpAddress source, ushort sourcePort, IpAddress destination,
        ushort destinationPort, byte protocol, long sequence)
    {
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packet.Length);
        packet[6] = 0x40; // DF
        packet[8] = 64;
        packet[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(packet[12..], source.V4);
        BinaryPrimitives.WriteUInt32BigEndian(packet[16..], destination.V4);
        BinaryPrimitives.WriteUInt16BigEndian(packet[20..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet[22..], destinationPort);
        packet[32] = 0x50;
        BinaryPrimitives.WriteInt64LittleEndian(packet[SequenceOffset..], sequence);
    }

    public static byte[] IPv6(string source, ushort sourcePort, string destination, ushort destinationPort)
    {
        byte[] packet = new byte[60];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 20);
        packet[6] = IpProtocol.Tcp;
        packet[7] = 64;
        IpAddress.Parse(source).WriteTo(packet.AsSpan(8));
        IpAddress.Parse(destination).WriteTo(packet.AsSpan(24));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(40), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(42), destinationPort);
        return packet;
    }

    public static long SequenceOf(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadInt64LittleEndian(packet[SequenceOffset..]);

    public static ushort DestinationPortOf(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[22..]);

    public static ushort SourcePortOf(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[20..]);
}
