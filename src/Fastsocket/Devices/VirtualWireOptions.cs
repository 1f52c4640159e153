namespace Fastsocket.Devices;

/// <summary>How a <see cref="VirtualWire"/> is built: queue counts, ring sizes, faults, RSS keys and capture.</summary>
public sealed record VirtualWireOptions
{
    /// <summary>Largest IP packet in bytes, 1 to 65535; default 1500.</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>Queue pairs (engines) of NIC A, at least 1; default 1.</summary>
    public int QueuesA { get; init; } = 1;

    /// <summary>Queue pairs (engines) of NIC B, at least 1; default 1.</summary>
    public int QueuesB { get; init; } = 1;

    /// <summary>Packets per ring (one ring per transmit/receive queue pair); 0 picks a size from the MTU.</summary>
    public int RingCapacity { get; init; }

    /// <summary>Faults on packets from A to B, applied on B's receive side; default none.</summary>
    public FaultProfile AToB { get; init; } = FaultProfile.None;

    /// <summary>Faults on packets from B to A, applied on A's receive side; default none.</summary>
    public FaultProfile BToA { get; init; } = FaultProfile.None;

    /// <summary>The RSS key NIC A hashes its incoming packets with.</summary>
    public ToeplitzKey RssKeyA { get; init; } = ToeplitzKey.Standard;

    /// <summary>The RSS key NIC B hashes its incoming packets with.</summary>
    public ToeplitzKey RssKeyB { get; init; } = ToeplitzKey.Standard;

    /// <summary>Records every packet NIC A transmits or receives, when set; may be the same writer as <see cref="CaptureB"/>.</summary>
    public PcapWriter? CaptureA { get; init; }

    /// <summary>Records every packet NIC B transmits or receives, when set.</summary>
    public PcapWriter? CaptureB { get; init; }

    /// <summary>Exact-match steering rules each NIC holds (see <see cref="FlowSteeringTable.ExactMatchCapacity"/>).</summary>
    public int ExactMatchCapacity { get; init; } = FlowSteeringTable.DefaultExactMatchCapacity;
}
