namespace Fastsocket.Cli.Bench.Real;

/// <summary>What one load of the client measured: completed connections (one request each), their rate, the 99th
/// percentile latency and the errors (socket errors plus non-2xx answers); <see cref="Problem"/> when it failed.</summary>
internal sealed record RealLoadOutcome(long Connections, double ConnectionsPerSecond, double P99Microseconds, long Errors, string? Problem = null)
{
    /// <summary>A load that produced no numbers.</summary>
    public static RealLoadOutcome Failed(string problem) => new(0, 0, 0, 0, problem);
}
