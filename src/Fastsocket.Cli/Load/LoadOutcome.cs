using Fastsocket.Cli.Bench;

namespace Fastsocket.Cli.Load;

/// <summary>What a load run measured: requests that got a 2xx answer, failures by kind, elapsed time, latencies.</summary>
internal sealed record LoadOutcome(long Requests, long ConnectErrors, long ReadErrors, long StatusErrors, long Timeouts,
    double Seconds, BenchLatencyRecorder Latency)
{
    public long Errors => ConnectErrors + ReadErrors + StatusErrors + Timeouts;

    public double RequestsPerSecond => Seconds > 0 ? Requests / Seconds : 0;
}
