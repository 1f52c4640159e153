using Fastsocket.Devices;

namespace Fastsocket.Simulation;

/// <summary>
/// A multi-queue device that passes everything through to another one and also lets any thread inject raw packets into
/// a queue's receive side, as a hostile host on the same segment would: the engine polls injected packets on its own
/// thread, after the real ones, through the same receive path. For the soak's SYN floods and malformed packets only;
/// injection allocates and locks, which the real packet path does not.
/// </summary>
public sealed class SoakInjectionDevice : IMultiQueueDevice
{
    private readonly IMultiQueueDevice _inner;
    private readonly SoakInjectionQueue[] _queues;

    /// <summary>Wraps <paramref name="inner"/>; each queue holds at most <paramref name="maxPendingPerQueue"/> injected packets.</summary>
    public SoakInjectionDevice(IMultiQueueDevice inner, int maxPendingPerQueue)
    {
        _inner = inner;
        _queues = new SoakInjectionQueue[inner.QueueCount];
        for (int i = 0; i < _queues.Length; i++)
        {
            _queues[i] = new SoakInjectionQueue(inner.GetQueue(i), maxPendingPerQueue);
        }
    }

    /// <inheritdoc />
    public int QueueCount => _queues.Length;

    /// <inheritdoc />
    public IFlowSteering? Steering => _inner.Steering;

    /// <summary>Injected packets dropped because the queue already held its maximum (the engine fell behind).</summary>
    public long InjectionOverflows => _queues.Sum(static q => q.Overflows);

    /// <inheritdoc />
    public IPacketDevice GetQueue(int index) => _queues[index];

    /// <inheritdoc />
    public void AttachDoorbell(int index, Doorbell doorbell)
    {
        _queues[index].AttachDoorbell(doorbell);
        _inner.AttachDoorbell(index, doorbell);
    }

    /// <inheritdoc />
    public bool HasPackets(int index) => _inner.HasPackets(index) || _queues[index].HasInjected;

    /// <summary>Queues a copy of <paramref name="packet"/> for engine <paramref name="index"/> and wakes it. Any thread.</summary>
    public void Inject(int index, ReadOnlySpan<byte> packet) => _queues[index].Inject(packet);
}
