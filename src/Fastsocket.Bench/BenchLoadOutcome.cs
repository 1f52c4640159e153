namespace Fastsocket.Bench;

/// <summary>What <see cref="BenchLoadGenerator"/> measured on the client side of one run.</summary>
public sealed record BenchLoadOutcome(long Connections, long Errors, double Seconds, BenchLatencyRecorder Latency)
{
    /// <summary>The run's result, with the figures only the target knows (packets, drops) added.</summary>
    public BenchResult ToResult(string design, BenchRunSpec spec, double? packetsPerConnection = null, long? drops = null) =>
        new()
        {
            Design = design,
            ServerCores = spec.ServerCores,
            ClientCores = spec.ClientCores,
            Connections = Connections,
            Seconds = Seconds,
            P50Us = Latency.PercentileUs(50),
            P99Us = Latency.PercentileUs(99),
            P999Us = Latency.PercentileUs(99.9),
            Errors = Errors,
            PacketsPerConnection = packetsPerConnection,
            Drops = drops,
        };
}
