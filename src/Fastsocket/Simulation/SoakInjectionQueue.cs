using System.Collections.Concurrent;
using Fastsocket.Devices;

namespace Fastsocket.Simulation;

/// <summary>One queue of a <see cref="SoakInjectionDevice"/>: the real queue, plus a bounded queue of injected packets.</summary>
internal sealed class SoakInjectionQueue : IPacketDevice
{
    private readonly IPacketDevice _inner;
    private readonly ConcurrentQueue<byte[]> _injected = new();
    private readonly int _maxPending;
    private Doorbell? _doorbell;
    private int _pending;
    private long _overflows;

    public SoakInjectionQueue(IPacketDevice inner, int maxPending)
    {
        _inner = inner;
        _maxPending = maxPending;
    }

    public int Mtu => _inner.Mtu;

    public bool HasInjected => Volatile.Read(ref _pending) > 0;

    public long Overflows => Volatile.Read(ref _overflows);

    public int Poll(IPacketReceiver receiver, int maxPackets)
    {
        int delivered = _inner.Poll(receiver, maxPackets);
        while (delivered < maxPackets && _injected.TryDequeue(out byte[]? packet))
        {
            Interlocked.Decrement(ref _pending);
            receiver.Receive(packet);
            delivered++;
        }
        return delivered;
    }

    public void Transmit(ReadOnlySpan<byte> packet) => _inner.Transmit(packet);

    public void Flush() => _inner.Flush();

    public void AttachDoorbell(Doorbell doorbell) => Volatile.Write(ref _doorbell, doorbell);

    public void Inject(ReadOnlySpan<byte> packet)
    {
        if (Interlocked.Increment(ref _pending) > _maxPending)
        {
            Interlocked.Decrement(ref _pending);
            Interlocked.Increment(ref _overflows);
            return;
        }
        _injected.Enqueue(packet.ToArray());
        Volatile.Read(ref _doorbell)?.Ring();
    }
}
