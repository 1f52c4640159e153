namespace Fastsocket.Devices;

/// <summary>How a <see cref="VirtualWire"/> is built: queue counts, ring sizes, faults, RSS keys and capture.</summary>
public sealed record VirtualWireOptions
{
    public int Mtu { get; init; } = 1500;

    public int QueuesA { get; init; } = 1;

    public int QueuesB { get; init; } = 1;

    /// <summary>Packets per ring (one ring per transmit/receive queue pair); 0 picks a size from the MTU.</summary>
    public int RingCapacity { get; init; }

    public FaultProfile AToB { get; init; } = FaultProfile.None;

    public FaultProfile BToA { get; init; } = FaultProfile.None;

    /// <summary>The RSS key NIC A hashes its incoming packets with.</summary>
    public ToeplitzKey RssKeyA { get; init; } = ToeplitzKey.Standard;

    public ToeplitzKey RssKeyB { get; init; } = ToeplitzKey.Standard;

    public PcapWriter? CaptureA { get; init; }

    public PcapWriter? CaptureB { get; init; }

    public int ExactMatchCapacity { get; init; } = FlowSteeringTable.DefaultExactMatchCapacity;
}
