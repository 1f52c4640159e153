using System.Buffers.Binary;

namespace Fastsocket.Tests.Devices;

/// <summary>Builds test payloads; link tests need distinguishable bytes, not real IP.</summary>
internal static class Packets
{
    public static byte[] Numbered(long sequence, int length = 64)
    {
        byte[] packet = new byte[length];
        BinaryPrimitives.WriteInt64LittleEndian(packet, sequence);
        for (int i = 8; i < length; i++)
        {
            packet[i] = (byte)(sequence * 31 + i);
        }

        return packet;
    }

    public static long SequenceOf(byte[] packet) => BinaryPrimitives.ReadInt64LittleEndian(packet);
}
