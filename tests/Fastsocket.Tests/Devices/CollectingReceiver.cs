using Fastsocket.Devices;

namespace Fastsocket.Tests.Devices;

/// <summary>Keeps a copy of every packet it is handed, in order.</summary>
internal sealed class CollectingReceiver : IPacketReceiver
{
    public List<byte[]> Packets { get; } = [];

    public void Receive(ReadOnlySpan<byte> packet) => Packets.Add(packet.ToArray());
}
