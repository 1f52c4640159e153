namespace Fastsocket.Devices;

/// <summary>
/// A device with one receive/transmit queue pair per engine core (a multi-queue NIC, or a multi-queue TUN device).
/// Queue i is used only by engine i.
/// </summary>
public interface IMultiQueueDevice
{
    int QueueCount { get; }

    IPacketDevice GetQueue(int index);

    /// <summary>Flow steering the stack may program (Flow Director style), or null when the device has none.</summary>
    IFlowSteering? Steering { get; }

    /// <summary>Has queue <paramref name="index"/> ring <paramref name="doorbell"/> whenever it receives packets.</summary>
    void AttachDoorbell(int index, Doorbell doorbell);

    /// <summary>Whether queue <paramref name="index"/> holds received packets (cheap; for an engine deciding to sleep).</summary>
    bool HasPackets(int index);
}
