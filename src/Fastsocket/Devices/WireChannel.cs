namespace Fastsocket.Devices;

/// <summary>
/// The path from one transmit queue of a NIC to one receive queue of its peer: a single-producer single-consumer
/// ring plus the counters of what the producer steered into it. Only the producing engine writes here; the
/// receive queue keeps its own references to the ring and injector so its reads share no cache line with these
/// counters.
/// </summary>
internal sealed class WireChannel
{
    // Written only by the producer; read by anyone through Volatile.Read for a diagnostic snapshot.
    public WireChannelHotFields Hot;

    public WireChannel(PacketRing ring, FaultInjector? faults)
    {
        Ring = ring;
        Faults = faults;
    }

    public PacketRing Ring { get; }

    /// <summary>Applied on the receiving side, by the consumer; null when the direction is fault-free.</summary>
    public FaultInjector? Faults { get; }

    public void Count(SteeringDecision decision)
    {
        switch (decision)
        {
            case SteeringDecision.ExactMatch:
                Hot.SteeredExact++;
                break;
            case SteeringDecision.PortMask:
                Hot.SteeredPortMask++;
                break;
            case SteeringDecision.Rss:
                Hot.SteeredRss++;
                break;
            default:
                Hot.Unclassified++;
                break;
        }
    }
}
