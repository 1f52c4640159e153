namespace Fastsocket.Simulation;

/// <summary>What <c>fastsocket soak</c> runs: how long, from which seed, and how much concurrent work.</summary>
public sealed record SoakSpec
{
    /// <summary>Longest run the soak accepts, in minutes (one day).</summary>
    public const double MaxMinutes = 1440;

    /// <summary>How long new work is started, in minutes, above 0 and at most <see cref="MaxMinutes"/>; fractions allowed. Default 1.</summary>
    public double Minutes { get; init; } = 1;

    /// <summary>Seeds every random choice of the workload (the mix, sizes, data patterns, faults, injected packets). Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Concurrent workload loops on the clean link; each runs one connection at a time. Default 6.</summary>
    public int CleanLanes { get; init; } = 6;

    /// <summary>Concurrent workload loops on the lossy link (loss, reorder, duplicate, corrupt). Default 2.</summary>
    public int LossyLanes { get; init; } = 2;

    /// <summary>Long idle connections opened at the start, held through the run and closed at the end (spread over both links). Default 48.</summary>
    public int IdleConnections { get; init; } = 48;

    /// <summary>Spoofed SYNs injected toward the server's listening port per second. Default 200.</summary>
    public int SynFloodPerSecond { get; init; } = 200;

    /// <summary>Malformed packets (random bytes, truncated headers, bad checksums, bad options) injected per second. Default 200.</summary>
    public int MalformedPerSecond { get; init; } = 200;

    /// <summary>
    /// TIME-WAIT (2MSL) used by both stacks during the soak, in microseconds. Shortened from Linux's 60 s so that the
    /// tables can empty within the drain allowance; the summary states it. Default 2 s.
    /// </summary>
    public long TimeWaitMicroseconds { get; init; } = 2_000_000;

    /// <summary>Wall-clock allowance after <see cref="Minutes"/> for work in flight to finish and the tables to drain. Default 90 s.</summary>
    public TimeSpan DrainAllowance { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The run length as a <see cref="TimeSpan"/>.</summary>
    public TimeSpan Duration => TimeSpan.FromMinutes(Minutes);
}
