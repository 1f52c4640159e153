using Fastsocket.Bench;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>The outcome of a <c>bench --real</c>: one row per server, and how they were measured.</summary>
internal sealed record RealBenchReport(
    RealBenchSettings Settings,
    string Client,
    string ServerCpus,
    string ClientCpus,
    IReadOnlyList<RealRow> Rows,
    BenchMachine Machine);
