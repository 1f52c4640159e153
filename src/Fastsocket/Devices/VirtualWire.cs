using Fastsocket.Time;

namespace Fastsocket.Devices;

/// <summary>
/// Two multi-queue NICs joined back to back, for example a client host with N engines and a server host with M.
/// Every transmit queue of one NIC has its own ring to every receive queue of the other (N x M rings each way),
/// so each ring has one producer engine and one consumer engine and nothing on the packet path needs a lock.
/// </summary>
public sealed class VirtualWire
{
    /// <summary>
    /// Memory budget of one ring when the caller does not choose a capacity. There are N x M rings per direction,
    /// so this is smaller than a point-to-point link's budget; 1024 slots is a common NIC ring size.
    /// </summary>
    public const int DefaultRingBytes = 1024 * 1024;

    public const int MaxDefaultRingCapacity = 1024;

    public VirtualWire(int queuesA, int queuesB, IClock clock)
        : this(clock, new VirtualWireOptions { QueuesA = queuesA, QueuesB = queuesB })
    {
    }

    public VirtualWire(IClock clock, VirtualWireOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        options ??= new VirtualWireOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Mtu, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Mtu, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueuesA, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueuesB, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.RingCapacity);
        ArgumentNullException.ThrowIfNull(options.AToB);
        ArgumentNullException.ThrowIfNull(options.BToA);
        ArgumentNullException.ThrowIfNull(options.RssKeyA);
        ArgumentNullException.ThrowIfNull(options.RssKeyB);

        Options = options;
        Clock = clock;
        int capacity = options.RingCapacity == 0 ? DefaultRingCapacityFor(options.Mtu) : options.RingCapacity;
        A = new MultiQueueNic("A", options.Mtu, options.QueuesA, clock, options.RssKeyA, options.CaptureA,
            options.ExactMatchCapacity);
        B = new MultiQueueNic("B", options.Mtu, options.QueuesB, clock, options.RssKeyB, options.CaptureB,
            options.ExactMatchCapacity);
        MultiQueueNic.Connect(A, B, options.AToB, capacity, clock);
        MultiQueueNic.Connect(B, A, options.BToA, capacity, clock);
    }

    public MultiQueueNic A { get; }

    public MultiQueueNic B { get; }

    public IClock Clock { get; }

    public VirtualWireOptions Options { get; }

    public static int DefaultRingCapacityFor(int mtu) => Math.Clamp(DefaultRingBytes / Math.Max(mtu, 1), 64, MaxDefaultRingCapacity);
}
