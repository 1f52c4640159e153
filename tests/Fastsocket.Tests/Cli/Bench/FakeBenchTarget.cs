using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>
/// A test double for <see cref="IBenchTarget"/>: returns made-up figures derived from the spec at once,
/// so the CLI's plumbing (plans, ratios, JSON, CSV, PNG) can be checked without opening a socket.
/// </summary>
internal sealed class FakeBenchTarget(string design, double cpsPerCore, double? packetsPerConnection = 7, long? drops = 0) : IBenchTarget
{
    public string Design { get; } = design;

    public List<BenchRunSpec> Runs { get; } = [];

    public BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
    {
        lock (Runs)
        {
            Runs.Add(spec);
        }

        var seconds = spec.Duration.TotalSeconds;
        var connections = (long)(cpsPerCore * spec.ServerCores * seconds);
        for (var i = 0; i < 10; i++)
        {
            progress.AddCompleted();
        }

        return new BenchResult
        {
            Design = Design,
            ServerCores = spec.ServerCores,
            ClientCores = spec.ClientCores,
            Connections = connections,
            Seconds = seconds,
            P50Us = 100,
            P99Us = 900,
            P999Us = 1500,
            Errors = 0,
            PacketsPerConnection = packetsPerConnection,
            Drops = drops,
        };
    }
}
