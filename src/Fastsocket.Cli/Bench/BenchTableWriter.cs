using System.Globalization;
using Fastsocket.Bench;
using Spectre.Console;

namespace Fastsocket.Cli.Bench;

/// <summary>The summary table for people: one row per run, with each design's ratio to the kernel baseline.</summary>
internal static class BenchTableWriter
{
    public static void Write(BenchReport report, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(console);

        var c = CultureInfo.InvariantCulture;
        // Columns nobody's target fills (packets for kernel-only runs) are left out, and numbers never
        // wrap, so the table fits an 80-column terminal when it can.
        var showDrops = report.Results.Any(r => r.Drops is not null);
        var showPackets = report.Results.Any(r => r.PacketsPerConnection is not null);
        var showFlood = report.Results.Any(r => r.SynFloodPps > 0);
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn(new TableColumn("design").NoWrap());
        var headings = new List<string> { "srv", "cli", "conn/s", "/core", "p50", "p99", "p99.9", "errors" };
        if (showDrops)
        {
            headings.Add("drops");
        }

        if (showPackets)
        {
            headings.Add("pkts");
        }

        if (showFlood)
        {
            headings.Add("cookies");
        }

        headings.Add("×kernel");
        foreach (var heading in headings)
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }

        foreach (var r in report.Results)
        {
            var ratio = report.RatioToKernel(r);
            var cells = new List<string>
            {
                Markup.Escape(r.SynFloodPps > 0 ? string.Create(c, $"{r.Design} +SYN flood {r.SynFloodPps:N0}/s") : r.Design),
                r.ServerCores.ToString(c),
                r.ClientCores.ToString(c),
                r.Cps.ToString("N0", c),
                r.PerCoreCps.ToString("N0", c),
                r.P50Us.ToString("N0", c),
                r.P99Us.ToString("N0", c),
                r.P999Us.ToString("N0", c),
                r.Errors == 0 ? "0" : $"[red]{r.Errors.ToString(c)}[/]",
            };
            if (showDrops)
            {
                cells.Add(r.Drops?.ToString(c) ?? "-");
            }

            if (showPackets)
            {
                cells.Add(r.PacketsPerConnection?.ToString("F1", c) ?? "-");
            }

            if (showFlood)
            {
                cells.Add(r.SynCookiesSent is { } sent ? string.Create(c, $"{sent:N0}/{r.SynCookiesValidated ?? 0:N0}") : "-");
            }

            cells.Add(ratio is { } x ? x.ToString("F2", c) + "x" : "-");
            table.AddRow(cells.ToArray());
        }

        foreach (var column in table.Columns.Skip(1))
        {
            column.NoWrap = true;
        }

        var caption = Markup.Escape(string.Create(c,
            $"srv/cli: server/client cores; /core: conn/s per server core; p50/p99/p99.9: latency in µs; " +
            $"pkts: packets per connection; ×kernel: conn/s over the kernel run's at the same cores.\n" +
            $"{BenchMachineNotes.Machine(report.Machine)}"));
        if (showFlood)
        {
            caption += "\n" + Markup.Escape(
                "+SYN flood: the same run with spoofed SYNs injected into the server's receive path (in-memory; the flooder " +
                "thread competes for the CPUs); cookies: SYN cookies sent/validated. The kernel baselines are not flooded " +
                "in-memory: the real-network comparison is bench/scripts/syn-flood.sh.");
        }

        if (BenchMachineNotes.Oversubscribed(report) is { } warning)
        {
            caption += "\n[yellow]" + Markup.Escape(warning) + "[/]";
        }

        table.Caption(caption);
        console.Write(table);
    }
}
