namespace Fastsocket.Devices;

/// <summary>
/// Presents one packet queue as a one-queue multi-queue device, so a single-queue device (an in-memory link, a
/// test's capture device) can carry a one-core <see cref="Stack.FastsocketStack"/>. No steering: with one queue
/// every packet is already on the right core.
/// </summary>
public sealed class SingleQueueDevice : IMultiQueueDevice
{
    private readonly IPacketDevice _queue;

    public SingleQueueDevice(IPacketDevice queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _queue = queue;
    }

    public int QueueCount => 1;

    public IFlowSteering? Steering => null;

    public IPacketDevice GetQueue(int index) => index == 0 ? _queue : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The wrapped queue has no way to announce packets, so its engine must be polled (as tests do).</summary>
    public void AttachDoorbell(int index, Doorbell doorbell)
    {
    }

    public bool HasPackets(int index) => false;
}
