namespace Fastsocket.Devices;

/// <summary>
/// A device with one receive/transmit queue pair per engine core (a multi-queue NIC, or a multi-queue TUN device).
/// Queue i is used only by engine i.
/// </summary>
public interface IMultiQueueDevice
{
    /// <summary>Number of queue pairs, at least 1; the stack runs one engine per queue.</summary>
    int QueueCount { get; }

    /// <summary>Queue pair <paramref name="index"/> (0 to <see cref="QueueCount"/> - 1), to be polled and written only by engine <paramref name="index"/>'s thread.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a queue of the device (implementations may throw <see cref="IndexOutOfRangeException"/> instead).</exception>
    IPacketDevice GetQueue(int index);

    /// <summary>Flow steering the stack may program (Flow Director style), or null when the device has none.</summary>
    IFlowSteering? Steering { get; }

    /// <summary>Has queue <paramref name="index"/> ring <paramref name="doorbell"/> whenever it receives packets.</summary>
    void AttachDoorbell(int index, Doorbell doorbell);

    /// <summary>Whether queue <paramref name="index"/> holds received packets (cheap; for an engine deciding to sleep).</summary>
    bool HasPackets(int index);
}
