namespace Fastsocket.Devices;

/// <summary>
/// A device whose other end, the host's kernel, counts the packets it dropped at the device: a TUN device, where the
/// kernel queues what it sends for the stack and drops what does not fit. Those drops never reach the engines, so
/// their own drop counters cannot show them; this reports them beside the engines' figures. Values are read from the
/// kernel at each call (a system call or a file read: for statistics, not for the packet path).
/// </summary>
public interface IHostDropCounters
{
    /// <summary>
    /// Packets the host dropped on their way to the stack since the device was created: for TUN, packets the kernel
    /// sent while the queue it keeps for the stack was full. Non-zero under a load the engines could serve means the
    /// queue is too short for how long an engine spends between reads; growing steadily, that the engines are
    /// saturated. Null when the host's counters cannot be read.
    /// </summary>
    long? DroppedTowardStack { get; }

    /// <summary>Packets the stack wrote that the host then dropped, since the device was created; null when unreadable.</summary>
    long? DroppedFromStack { get; }

    /// <summary>Packets the host may queue for the stack on each queue before it drops (for TUN, the device's txqueuelen); 0 when unknown.</summary>
    int HostQueueLength { get; }
}
