using Fastsocket.Devices;

namespace Fastsocket.Stack;

/// <summary>
/// Software Receive Flow Deliver: a packet that reached core j but belongs to a connection of core k is copied into
/// the single-producer single-consumer ring (j, k), so no two threads ever write one ring and no lock is needed.
/// </summary>
internal sealed class HandoffRings
{
    private readonly PacketRing[,] _rings;
    private readonly Doorbell?[] _doorbells;

    public HandoffRings(int cores, int mtu, int capacity = 1024)
    {
        _rings = new PacketRing[cores, cores];
        _doorbells = new Doorbell?[cores];
        for (int from = 0; from < cores; from++)
        {
            for (int to = 0; to < cores; to++)
            {
                _rings[from, to] = new PacketRing(capacity, mtu, null);
            }
        }
        Cores = cores;
    }

    public int Cores { get; }

    public void AttachDoorbell(int core, Doorbell doorbell) => _doorbells[core] = doorbell;

    /// <summary>Producer side (core <paramref name="from"/>): false when the target ring is full (the packet is dropped, as a full NIC queue would).</summary>
    public bool TryHandOff(int from, int to, ReadOnlySpan<byte> packet)
    {
        PacketRing ring = _rings[from, to];
        if (!ring.TryEnqueue(packet))
        {
            return false;
        }
        // Publish fences after the new tail; the doorbell needs no second fence.
        ring.Publish();
        _doorbells[to]?.RingAfterFence();
        return true;
    }

    /// <summary>Consumer side (core <paramref name="to"/>): delivers up to <paramref name="max"/> handed-off packets.</summary>
    public int Drain(int to, IPacketReceiver receiver, int max)
    {
        int n = 0;
        for (int from = 0; from < Cores && n < max; from++)
        {
            PacketRing ring = _rings[from, to];
            while (n < max && ring.TryPeek(out Span<byte> packet, out _))
            {
                receiver.Receive(packet);
                ring.Advance();
                n++;
            }
        }
        return n;
    }

    public bool HasPackets(int to)
    {
        for (int from = 0; from < Cores; from++)
        {
            if (_rings[from, to].HasPackets)
            {
                return true;
            }
        }
        return false;
    }
}
