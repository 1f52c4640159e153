using Fastsocket.Devices;

namespace Fastsocket.Tests.Devices.Nic;

/// <summary>Keeps a copy of every packet a queue hands it.</summary>
internal sealed class QueueCollector : IPacketReceiver
{
    public List<byte[]> Packets { get; } = [];

    public void Receive(ReadOnlySpan<byte> packet) => Packets.Add(packet.ToArray());

    /// <summary>Polls until the queue is empty and returns what arrived.</summary>
    public static List<byte[]> DrainAll(IPacketDevice queue)
    {
        var collector = new QueueCollector();
        while (queue.Poll(collector, 64) > 0)
        {
        }

        return collector.Packets;
    }
}
