using System.Buffers.Binary;
using Fastsocket.Devices;

namespace Fastsocket.Tests.Devices;

/// <summary>Checks, without allocating, that packets carry consecutive sequence numbers in their first 8 bytes.</summary>
internal sealed class SequenceReceiver : IPacketReceiver
{
    public long Next { get; private set; }

    public long OutOfOrder { get; private set; }

    public void Receive(ReadOnlySpan<byte> packet)
    {
        long sequence = BinaryPrimitives.ReadInt64LittleEndian(packet);
        if (sequence != Next)
        {
            OutOfOrder++;
        }

        Next = sequence + 1;
    }
}
