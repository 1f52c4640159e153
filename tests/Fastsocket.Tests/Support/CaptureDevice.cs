using Fastsocket.Devices;

namespace Fastsocket.Tests.Support;

/// <summary>A device for packet-by-packet tests: the test queues packets to deliver and reads back what the engine sent.</summary>
public sealed class CaptureDevice : IPacketDevice
{
    private readonly Queue<byte[]> _inbound = new();

    public CaptureDevice(int mtu = 1500)
    {
        Mtu = mtu;
    }

    public int Mtu { get; }

    public Queue<byte[]> Sent { get; } = new();

    public void Deliver(byte[] packet) => _inbound.Enqueue(packet);

    public int Poll(IPacketReceiver receiver, int maxPackets)
    {
        int n = 0;
        while (n < maxPackets && _inbound.TryDequeue(out byte[]? packet))
        {
            receiver.Receive(packet);
            n++;
        }
        return n;
    }

    public void Transmit(ReadOnlySpan<byte> packet) => Sent.Enqueue(packet.ToArray());

    public void Flush()
    {
    }
}
