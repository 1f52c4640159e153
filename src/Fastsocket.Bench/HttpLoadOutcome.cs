namespace Fastsocket.Bench;

/// <summary>What a load run measured: requests that got a 2xx answer, failures by kind, elapsed time, latencies.</summary>
public sealed record HttpLoadOutcome(long Requests, long ConnectErrors, long ReadErrors, long StatusErrors, long Timeouts,
    double Seconds, BenchLatencyRecorder Latency)
{
    /// <summary>Failed requests of every kind.</summary>
    public long Errors => ConnectErrors + ReadErrors + StatusErrors + Timeouts;

    /// <summary>Successful requests per second of elapsed time.</summary>
    public double RequestsPerSecond => Seconds > 0 ? Requests / Seconds : 0;
}
