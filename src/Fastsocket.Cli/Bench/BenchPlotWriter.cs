using System.Globalization;
using Fastsocket.Bench;
using ScottPlot;

namespace Fastsocket.Cli.Bench;

/// <summary>
/// Connections per second against server cores, one line per design (ScottPlot, rendered by
/// SkiaSharp): the shape of the paper's throughput figure.
/// </summary>
internal static class BenchPlotWriter
{
    /// <summary>Image width in pixels.</summary>
    public const int Width = 900;

    /// <summary>Image height in pixels.</summary>
    public const int Height = 560;

    /// <summary>
    /// Writes the plot of <paramref name="report"/> to <paramref name="path"/> as PNG, naming the machine and the client
    /// cores, with a visible warning when a run had more busy threads than the machine has processors.
    /// </summary>
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
        plot.XLabel($"server cores ({BenchMachineNotes.ClientCores(report)})");

        // The machine, and a warning where its processors were too few for a run's busy threads, on the image itself:
        // a plot travels without the table that would explain it.
        var machine = plot.Add.Annotation(BenchMachineNotes.Machine(report.Machine), Alignment.LowerRight);
        machine.LabelFontSize = 11;
        machine.LabelBackgroundColor = Colors.White;
        machine.LabelBorderColor = Colors.Gray;
        machine.LabelShadowColor = Colors.Transparent;
        if (BenchMachineNotes.Oversubscribed(report) is { } warning)
        {
            var note = plot.Add.Annotation(Wrap(warning, 70), Alignment.UpperRight);
            note.LabelFontSize = 12;
            note.LabelFontColor = Colors.DarkRed;
            note.LabelBackgroundColor = Colors.LightYellow;
            note.LabelBorderColor = Colors.DarkRed;
        }

        plot.YLabel("connections per second");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>Breaks <paramref name="text"/> at spaces into lines of at most about <paramref name="width"/> characters.</summary>
    private static string Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : "").Append(word);
        }

        lines.Add(line.ToString());
        return string.Join('\n', lines);
    }
}
