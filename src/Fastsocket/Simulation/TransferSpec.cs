namespace Fastsocket.Simulation;

/// <summary>What <c>fastsocket transfer</c> runs: one bulk transfer between two stacks on the in-memory network.</summary>
public sealed record TransferSpec
{
    /// <summary>Bytes to transfer, at least 1; default 100 MB.</summary>
    public long Bytes { get; init; } = 100_000_000;
    /// <summary>Per-packet loss probability in [0, 1], applied in both directions.</summary>
    public double Loss { get; init; }
    /// <summary>Per-packet probability in [0, 1] that a packet is held back behind later ones, both directions.</summary>
    public double Reorder { get; init; }
    /// <summary>Per-packet probability in [0, 1] that a packet is delivered twice, both directions.</summary>
    public double Duplicate { get; init; }
    /// <summary>Per-packet probability in [0, 1] that one bit is flipped, both directions; checksums must catch every one.</summary>
    public double Corrupt { get; init; }
    /// <summary>Seeds the data pattern, the fault injection (each direction derived from it) and the engines' randomness. Default 1.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>When set, the client side's packets are captured to this pcap file (created or truncated).</summary>
    public string? PcapPath { get; init; }
    /// <summary>Link MTU in bytes, 1 to 65535; default 1500.</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>Run both stacks on one thread on virtual time: deterministic for a seed, and timeouts cost no wall time.</summary>
    public bool VirtualTime { get; init; }

    /// <summary>1: both stacks on one thread; 2: a thread per stack (real time only).</summary>
    public int Threads { get; init; } = 1;
}
