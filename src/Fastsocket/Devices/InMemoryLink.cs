using Fastsocket.Time;

namespace Fastsocket.Devices;

/// <summary>
/// A virtual point-to-point wire between two stacks carrying raw IP packets: <see cref="A"/>'s transmits
/// arrive at <see cref="B"/>'s polls and vice versa. Each direction is a preallocated lock-free ring, with
/// optional fault injection applied on its receiving end.
/// </summary>
public sealed class InMemoryLink
{
    /// <summary>Most packets one direction's ring holds by default (fewer for large MTUs, see <see cref="DefaultCapacityFor"/>).</summary>
    public const int DefaultQueueCapacity = 4096;

    /// <summary>
    /// Memory budget of one direction's ring when the caller does not choose a capacity: with jumbo MTUs a fixed
    /// packet count would reserve hundreds of megabytes and spread a transfer over memory no cache holds.
    /// </summary>
    public const int DefaultQueueBytes = 8 * 1024 * 1024;

    /// <summary>The packet capacity used for <paramref name="mtu"/> when none is given: 4096, or fewer for large MTUs.</summary>
    public static int DefaultCapacityFor(int mtu) => Math.Clamp(DefaultQueueBytes / Math.Max(mtu, 1), 64, DefaultQueueCapacity);

    /// <summary>Creates both ends and preallocates both rings; nothing is allocated per packet afterwards.</summary>
    /// <param name="mtu">Largest packet in bytes, 1 to 65535; larger transmits are counted in <see cref="InMemoryPort.OversizeDrops"/>.</param>
    /// <param name="clock">Clock for fault delays and reorder holds; only read when a profile needs it.</param>
    /// <param name="aToB">Faults on packets from <see cref="A"/> to <see cref="B"/>; null for none.</param>
    /// <param name="bToA">Faults on packets from <see cref="B"/> to <see cref="A"/>; null for none.</param>
    /// <param name="queueCapacity">Packets per direction's ring; 0 for <see cref="DefaultCapacityFor"/>(<paramref name="mtu"/>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="clock"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mtu"/> or <paramref name="queueCapacity"/> is out of range.</exception>
    public InMemoryLink(int mtu, IClock clock, FaultProfile? aToB = null, FaultProfile? bToA = null, int queueCapacity = 0)
    {
        if (queueCapacity == 0)
        {
            queueCapacity = DefaultCapacityFor(mtu);
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mtu, 65535);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        Mtu = mtu;
        Clock = clock;
        AToB = aToB ?? FaultProfile.None;
        BToA = bToA ?? FaultProfile.None;

        PacketRing ringAToB = CreateRing(AToB, mtu, clock, queueCapacity);
        PacketRing ringBToA = CreateRing(BToA, mtu, clock, queueCapacity);
        A = new InMemoryPort("A", mtu, ringAToB, ringBToA, CreateInjector(BToA, mtu, clock));
        B = new InMemoryPort("B", mtu, ringBToA, ringAToB, CreateInjector(AToB, mtu, clock));
    }

    /// <summary>One end; what it transmits is polled at <see cref="B"/>.</summary>
    public InMemoryPort A { get; }

    /// <summary>The other end; what it transmits is polled at <see cref="A"/>.</summary>
    public InMemoryPort B { get; }

    /// <summary>Largest packet in bytes, the same in both directions.</summary>
    public int Mtu { get; }

    /// <summary>The clock fault delays are measured on (microseconds).</summary>
    public IClock Clock { get; }

    /// <summary>Faults applied to packets from A to B, at B's poll; <see cref="FaultProfile.None"/> when none were given.</summary>
    public FaultProfile AToB { get; }

    /// <summary>Faults applied to packets from B to A, at A's poll; <see cref="FaultProfile.None"/> when none were given.</summary>
    public FaultProfile BToA { get; }

    private static PacketRing CreateRing(FaultProfile profile, int mtu, IClock clock, int capacity) =>
        // Only a delayed direction needs transmit timestamps; skipping them keeps clock reads off the hot path.
        new(capacity, mtu, profile.DelayMicroseconds > 0 ? clock : null);

    private static FaultInjector? CreateInjector(FaultProfile profile, int mtu, IClock clock) =>
        profile.IsNone ? null : new FaultInjector(profile, mtu, clock);
}
