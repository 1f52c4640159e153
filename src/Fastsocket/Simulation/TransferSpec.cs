namespace Fastsocket.Simulation;

/// <summary>What <c>fastsocket transfer</c> runs: one bulk transfer between two stacks on the in-memory network.</summary>
public sealed record TransferSpec
{
    public long Bytes { get; init; } = 100_000_000;
    public double Loss { get; init; }
    public double Reorder { get; init; }
    public double Duplicate { get; init; }
    public double Corrupt { get; init; }
    public int Seed { get; init; } = 1;
    public string? PcapPath { get; init; }
    public int Mtu { get; init; } = 1500;

    /// <summary>Run both stacks on one thread on virtual time: deterministic for a seed, and timeouts cost no wall time.</summary>
    public bool VirtualTime { get; init; }

    /// <summary>1: both stacks on one thread; 2: a thread per stack (real time only).</summary>
    public int Threads { get; init; } = 1;
}
