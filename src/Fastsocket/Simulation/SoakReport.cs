namespace Fastsocket.Simulation;

/// <summary>The summary of a <see cref="SoakSpec"/> run: what happened to every connection, and what was left behind.</summary>
public sealed record SoakReport
{
    /// <summary>Connections by how they ended; every <see cref="SoakOutcome"/> is present, zero when it never occurred.</summary>
    public required IReadOnlyDictionary<SoakOutcome, long> Connections { get; init; }

    /// <summary>Payload bytes whose content was checked at the far end: SHA-256 of bulk transfers, byte-for-byte for echoes.</summary>
    public required long BytesVerified { get; init; }

    /// <summary>Largest managed heap size seen by the once-a-second sampler (GC heap size, bytes).</summary>
    public required long HeapPeakBytes { get; init; }

    /// <summary>Managed heap after everything was closed and a forced, compacting full collection (bytes).</summary>
    public required long HeapFinalBytes { get; init; }

    /// <summary>
    /// Entries still in any table when the drain allowance ran out: connections (half-open included), TIME-WAIT records
    /// and queued accepts, summed over every engine of every stack. Must be 0.
    /// </summary>
    public required long ConnectionsLeft { get; init; }

    /// <summary>
    /// Exceptions nobody should see: unobserved task exceptions, exceptions reported by the engines, and any exception
    /// other than a <see cref="System.Net.Sockets.SocketException"/> or our own cancellation out of a workload task. Must be 0.
    /// </summary>
    public required long UnhandledExceptions { get; init; }

    /// <summary>Server-side connection errors the scenario did not expect (each also makes its client side fail or stall).</summary>
    public long ServerErrors { get; init; }

    /// <summary>Spoofed SYNs injected toward the listening port.</summary>
    public long SynFloodPackets { get; init; }

    /// <summary>Malformed packets injected.</summary>
    public long MalformedPackets { get; init; }

    /// <summary>Packets the engines dropped, by <see cref="Wire.DropReason"/> name (non-zero reasons only).</summary>
    public IReadOnlyDictionary<string, long> Drops { get; init; } = new Dictionary<string, long>();

    /// <summary>Packets the lossy link's fault injection lost, reordered, duplicated and corrupted.</summary>
    public IReadOnlyDictionary<string, long> Faults { get; init; } = new Dictionary<string, long>();

    /// <summary>The TIME-WAIT length both stacks used, in microseconds (shortened for the soak; see <see cref="SoakSpec.TimeWaitMicroseconds"/>).</summary>
    public long TimeWaitMicroseconds { get; init; }

    /// <summary>Wall-clock seconds the whole run took, drain included.</summary>
    public double Seconds { get; init; }

    /// <summary>Seconds spent after the workload stopped until the tables were empty (or the allowance ran out).</summary>
    public double DrainSeconds { get; init; }

    /// <summary>The first few unexpected errors, one line each, for the person reading the summary.</summary>
    public IReadOnlyList<string> FirstErrors { get; init; } = [];

    /// <summary>Total connections over every outcome.</summary>
    public long TotalConnections => Connections.Values.Sum();

    /// <summary>True when nothing was left in any table and no exception went unhandled: the soak's pass condition.</summary>
    public bool Passed => ConnectionsLeft == 0 && UnhandledExceptions == 0;
}
