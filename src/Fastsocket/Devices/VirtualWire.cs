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

    /// <summary>Upper bound, in packets, of the ring size <see cref="DefaultRingCapacityFor"/> picks.</summary>
    public const int MaxDefaultRingCapacity = 1024;

    /// <summary>A wire with default options and the given queue counts (MTU 1500, no faults, standard RSS keys, no capture).</summary>
    /// <param name="queuesA">Queue pairs of NIC A, at least 1.</param>
    /// <param name="queuesB">Queue pairs of NIC B, at least 1.</param>
    /// <param name="clock">Clock for fault delays and capture timestamps.</param>
    public VirtualWire(int queuesA, int queuesB, IClock clock)
        : this(clock, new VirtualWireOptions { QueuesA = queuesA, QueuesB = queuesB })
    {
    }

    /// <summary>Builds both NICs and every ring (queuesA x queuesB per direction) up front; nothing is allocated per packet afterwards.</summary>
    /// <param name="clock">Clock for fault delays and capture timestamps (microseconds).</param>
    /// <param name="options">How to build the wire; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="clock"/>, a fault profile or an RSS key is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The MTU is outside 1 to 65535, a queue count is below 1, or the ring capacity is negative.</exception>
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

    /// <summary>NIC A; its transmits arrive at <see cref="B"/>'s queues.</summary>
    public MultiQueueNic A { get; }

    /// <summary>NIC B; its transmits arrive at <see cref="A"/>'s queues.</summary>
    public MultiQueueNic B { get; }

    /// <summary>The clock given at construction.</summary>
    public IClock Clock { get; }

    /// <summary>The options the wire was built with.</summary>
    public VirtualWireOptions Options { get; }

    /// <summary>Ring size in packets for <paramref name="mtu"/> when none is chosen: <see cref="DefaultRingBytes"/> / MTU, clamped to 64 ... <see cref="MaxDefaultRingCapacity"/>.</summary>
    public static int DefaultRingCapacityFor(int mtu) => Math.Clamp(DefaultRingBytes / Math.Max(mtu, 1), 64, MaxDefaultRingCapacity);
}
