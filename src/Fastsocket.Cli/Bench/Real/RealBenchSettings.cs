namespace Fastsocket.Cli.Bench.Real;

/// <summary>What <c>bench --real</c> was asked for: measured and warmup seconds per load, runs per server, server
/// cores (on CPUs 0..N-1; the client gets the rest), connections the client keeps in flight, and the servers to run.</summary>
internal sealed record RealBenchSettings(int DurationSeconds, int WarmupSeconds, int Runs, int ServerCores, int Connections, IReadOnlyList<string> Designs);
