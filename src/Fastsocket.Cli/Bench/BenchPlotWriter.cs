using System.Globalization;
using Fastsocket.Bench;
using ScottPlot;

namespace Fastsocket.Cli.Bench;

/// <summary>
/// Connections per second against server cores, one line per design (ScottPlot, rendered by
/// SkiaSharp): the shape of the paper's throughput figure.
/// </summary>
public static class BenchPlotWriter
{
    public const int Width = 900;
    public const int Height = 560;

    public static void WritePng(BenchReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(path);

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var designs = report.Results.Select(r => r.Design).Distinct(StringComparer.Ordinal).ToList();
        for (var i = 0; i < designs.Count; i++)
        {
            var points = report.Results
                .Where(r => r.Design == designs[i])
                .OrderBy(r => r.ServerCores)
                .ToList();
            var line = plot.Add.Scatter(
                points.Select(r => (double)r.ServerCores).ToArray(),
                points.Select(r => r.Cps).ToArray(),
                palette.GetColor(i));
            line.LegendText = designs[i];
            line.LineWidth = 2;
            line.MarkerSize = 8;
        }

        // One tick per measured core count: fractional cores mean nothing.
        var cores = report.Results.Select(r => r.ServerCores).Distinct().Order().ToList();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var core in cores)
        {
            ticks.AddMajor(core, core.ToString(CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        var maxCps = report.Results.Count == 0 ? 1 : Math.Max(1, report.Results.Max(r => r.Cps));
        var minCore = cores.Count == 0 ? 1 : cores[0];
        var maxCore = cores.Count == 0 ? 1 : cores[^1];
        plot.Axes.SetLimits(minCore - 0.5, maxCore + 0.5, 0, maxCps * 1.15);

        plot.Title("Short-lived connections: throughput against cores");
        plot.XLabel("server cores");
        plot.YLabel("connections per second");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
    }
}
