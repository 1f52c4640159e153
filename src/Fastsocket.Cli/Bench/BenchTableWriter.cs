using System.Globalization;
using Spectre.Console;

namespace Fastsocket.Cli.Bench;

/// <summary>The summary table for people: one row per run, with each design's ratio to the kernel baseline.</summary>
public static class BenchTableWriter
{
    public static void Write(BenchReport report, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(console);

        var c = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("design");
        foreach (var heading in new[]
                 {
                     "server cores", "client cores", "conn/s", "per core", "p50 µs", "p99 µs", "p99.9 µs",
                     "errors", "drops", "pkts/conn", "vs kernel",
                 })
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }

        foreach (var r in report.Results)
        {
            var ratio = report.RatioToKernel(r);
            table.AddRow(
                Markup.Escape(r.Design),
                r.ServerCores.ToString(c),
                r.ClientCores.ToString(c),
                r.Cps.ToString("N0", c),
                r.PerCoreCps.ToString("N0", c),
                r.P50Us.ToString("N0", c),
                r.P99Us.ToString("N0", c),
                r.P999Us.ToString("N0", c),
                r.Errors == 0 ? "0" : $"[red]{r.Errors.ToString(c)}[/]",
                r.Drops?.ToString(c) ?? "-",
                r.PacketsPerConnection?.ToString("F1", c) ?? "-",
                ratio is { } x ? x.ToString("F2", c) + "x" : "-");
        }

        var m = report.Machine;
        table.Caption(Markup.Escape(string.Create(c,
            $"{m.ProcessorCount} processors{(m.CpuModel is null ? "" : $" ({m.CpuModel})")}, {m.Os}, {m.DotnetVersion}")));
        console.Write(table);
    }
}
