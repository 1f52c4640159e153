using Fastsocket.Devices;

namespace Fastsocket.Tests.Devices.Nic;

/// <summary>Counts packets without allocating, for allocation and stress tests.</summary>
internal sealed class CountingReceiver : IPacketReceiver
{
    public long Count { get; private set; }

    public long Bytes { get; private set; }

    public void Receive(ReadOnlySpan<byte> packet)
    {
        Count++;
        Bytes += packet.Length;
    }
}
