using System.Globalization;
using Fastsocket.Bench;

namespace Fastsocket.Cli.Bench;

/// <summary>
/// What a reader of a table or plot must know to judge it: the machine, the client cores each run used, and whether
/// any run had more busy threads (one per server core plus one per client core) than the machine has processors, in
/// which case its figures measure contention for processors, not how the design scales.
/// </summary>
internal static class BenchMachineNotes
{
    /// <summary>"N processors (model), OS, .NET version".</summary>
    public static string Machine(BenchMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        return string.Create(CultureInfo.InvariantCulture,
            $"{machine.ProcessorCount} processors{(machine.CpuModel is null ? "" : $" ({machine.CpuModel})")}, {machine.Os}, {machine.DotnetVersion}");
    }

    /// <summary>The client cores of the report's runs: "client cores: 1" or, when they vary, "client cores: 1, 2, 4 (as many as server cores)".</summary>
    public static string ClientCores(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var counts = report.Results.Select(r => r.ClientCores).Distinct().Order().ToList();
        if (counts.Count == 0)
        {
            return "client cores: none measured";
        }

        var list = string.Join(", ", counts.Select(c => c.ToString(CultureInfo.InvariantCulture)));
        var matchServer = counts.Count > 1 && report.Results.All(r => r.ClientCores == r.ServerCores);
        return $"client cores: {list}{(matchServer ? " (as many as server cores)" : "")}";
    }

    /// <summary>
    /// A warning naming the runs whose server plus client cores exceed the machine's processors; null when none do.
    /// </summary>
    public static string? Oversubscribed(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var processors = report.Machine.ProcessorCount;
        var crowded = report.Results
            .Where(r => r.ServerCores + r.ClientCores > processors)
            .Select(r => (r.ServerCores, r.ClientCores))
            .Distinct()
            .OrderBy(x => x.ServerCores)
            .ToList();
        if (crowded.Count == 0)
        {
            return null;
        }

        var runs = string.Join(", ", crowded.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.ServerCores}+{x.ClientCores}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"Oversubscribed: {processors} processors for {runs} server+client busy threads; those runs measure processors shared between threads, not how the design scales.");
    }
}
