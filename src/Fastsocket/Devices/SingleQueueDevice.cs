namespace Fastsocket.Devices;

/// <summary>
/// Presents one packet queue as a one-queue multi-queue device, so a single-queue device (an in-memory link, a
/// test's capture device) can carry a one-core <see cref="Stack.FastsocketStack"/>. No steering: with one queue
/// every packet is already on the right core.
/// </summary>
public sealed class SingleQueueDevice : IMultiQueueDevice
{
    private readonly IPacketDevice _queue;

    /// <summary>Wraps <paramref name="queue"/> as queue 0.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="queue"/> is null.</exception>
    public SingleQueueDevice(IPacketDevice queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _queue = queue;
    }

    /// <summary>Always 1.</summary>
    public int QueueCount => 1;

    /// <summary>Always null: with one queue there is nothing to steer.</summary>
    public IFlowSteering? Steering => null;

    /// <summary>The wrapped queue for index 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not 0.</exception>
    public IPacketDevice GetQueue(int index) => index == 0 ? _queue : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The wrapped queue has no way to announce packets, so its engine must be polled (as tests do).</summary>
    public void AttachDoorbell(int index, Doorbell doorbell)
    {
    }

    /// <summary>Always false: a plain <see cref="IPacketDevice"/> has no way to report waiting packets, so its engine must keep polling rather than sleep on this.</summary>
    public bool HasPackets(int index) => false;
}
