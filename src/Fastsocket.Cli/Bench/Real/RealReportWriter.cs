using System.Globalization;
using System.Text;
using System.Text.Json;
using Fastsocket.Diagnostics;
using Spectre.Console;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// The <c>bench --real</c> report: a table (median conn/s of the runs with their range, p99, errors, server CPU time per
/// connection) followed by the two ratios issue 15 sets targets for, or the same as one JSON object.
/// </summary>
internal static class RealReportWriter
{
    /// <summary>serve-tun over nginx-kernel must reach this (issue 15's target on 1 core).</summary>
    public const double ServeOverNginxTarget = 1.5;

    /// <summary>kestrel-tun over kestrel-sockets must reach this (issue 15's target).</summary>
    public const double KestrelTunOverSocketsTarget = 1.3;

    /// <summary>Writes the table and the ratios.</summary>
    public static void WriteTable(RealBenchReport report, IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"bench --real: {report.Settings.Runs} run(s) x {report.Settings.DurationSeconds} s after {report.Settings.WarmupSeconds} s of warm-up, .NET servers with {SingleCpuJitTiering.Variable}={SingleCpuJitTiering.Value}, client {report.Client} on CPU {report.ClientCpus}, servers on CPU {report.ServerCpus}, Connection: close");
        table.AddColumn("design");
        table.AddColumn("device");
        table.AddColumn(new TableColumn("server cores").RightAligned());
        table.AddColumn(new TableColumn("conn/s (median)").RightAligned());
        table.AddColumn(new TableColumn("range").RightAligned());
        table.AddColumn(new TableColumn("p99 us").RightAligned());
        table.AddColumn(new TableColumn("errors").RightAligned());
        table.AddColumn(new TableColumn("server CPU us/conn").RightAligned());
        table.AddColumn("note");
        foreach (RealRow row in report.Rows)
        {
            bool measured = row.ConnectionsPerSecond > 0;
            table.AddRow(
                Markup.Escape(row.Design),
                row.Device,
                row.ServerCores.ToString(CultureInfo.InvariantCulture),
                measured ? row.ConnectionsPerSecond.ToString("N0", CultureInfo.InvariantCulture) : "-",
                measured ? $"{row.MinConnectionsPerSecond.ToString("N0", CultureInfo.InvariantCulture)}-{row.MaxConnectionsPerSecond.ToString("N0", CultureInfo.InvariantCulture)}" : "-",
                measured ? row.P99Microseconds.ToString("N0", CultureInfo.InvariantCulture) : "-",
                measured ? row.Errors.ToString(CultureInfo.InvariantCulture) : "-",
                measured ? row.ServerCpuMicrosecondsPerConnection.ToString("N1", CultureInfo.InvariantCulture) : "-",
                Markup.Escape(Shorten(row.Error ?? string.Empty)));
        }
        console.Write(table);
        foreach (string line in RatioLines(report))
        {
            console.WriteLine(line);
        }
    }

    /// <summary>The two ratios with their targets, where both rows were measured.</summary>
    internal static IEnumerable<string> RatioLines(RealBenchReport report)
    {
        if (Ratio(report, RealDesigns.ServeTun, RealDesigns.NginxKernel) is { } serve)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{RealDesigns.ServeTun} / {RealDesigns.NginxKernel}: {serve.Rate:0.00}x conn/s (target {ServeOverNginxTarget:0.0}x), {serve.Cpu:0.00}x server CPU per connection (target at most 0.67x where the client saturates)");
        }
        if (Ratio(report, RealDesigns.KestrelTun, RealDesigns.KestrelSockets) is { } kestrel)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{RealDesigns.KestrelTun} / {RealDesigns.KestrelSockets}: {kestrel.Rate:0.00}x conn/s (target {KestrelTunOverSocketsTarget:0.0}x), {kestrel.Cpu:0.00}x server CPU per connection");
        }
    }

    /// <summary>The report as one indented JSON object whose <c>results</c> hold one row per server.</summary>
    public static string ToJson(RealBenchReport report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("kind", "real");
            json.WriteString("client", report.Client);
            json.WriteString("server_cpus", report.ServerCpus);
            json.WriteString("client_cpus", report.ClientCpus);
            json.WriteNumber("runs", report.Settings.Runs);
            json.WriteNumber("duration_s", report.Settings.DurationSeconds);
            json.WriteNumber("warmup_s", report.Settings.WarmupSeconds);
            json.WriteNumber("connections_in_flight", report.Settings.Connections);
            json.WriteStartArray("results");
            foreach (RealRow row in report.Rows)
            {
                json.WriteStartObject();
                json.WriteString("design", row.Design);
                json.WriteString("device", row.Device);
                json.WriteNumber("server_cores", row.ServerCores);
                json.WriteNumber("cps", Math.Round(row.ConnectionsPerSecond, 1));
                json.WriteNumber("cps_min", Math.Round(row.MinConnectionsPerSecond, 1));
                json.WriteNumber("cps_max", Math.Round(row.MaxConnectionsPerSecond, 1));
                json.WriteNumber("p99_us", Math.Round(row.P99Microseconds, 1));
                json.WriteNumber("errors", row.Errors);
                json.WriteNumber("server_cpu_us_per_connection", Math.Round(row.ServerCpuMicrosecondsPerConnection, 2));
                json.WriteStartArray("run_cps");
                foreach (double rate in row.RunRates)
                {
                    json.WriteNumberValue(Math.Round(rate, 1));
                }
                json.WriteEndArray();
                if (row.Error is { } error)
                {
                    json.WriteString("error", error);
                }
                else
                {
                    json.WriteNull("error");
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("machine");
            json.WriteNumber("processor_count", report.Machine.ProcessorCount);
            json.WriteString("os", report.Machine.Os);
            json.WriteString("architecture", report.Machine.Architecture);
            json.WriteString("dotnet", report.Machine.DotnetVersion);
            if (report.Machine.CpuModel is { } cpu)
            {
                json.WriteString("cpu_model", cpu);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static (double Rate, double Cpu)? Ratio(RealBenchReport report, string over, string under)
    {
        RealRow? a = report.Rows.FirstOrDefault(r => r.Design == over);
        RealRow? b = report.Rows.FirstOrDefault(r => r.Design == under);
        if (a is null || b is null || a.ConnectionsPerSecond <= 0 || b.ConnectionsPerSecond <= 0)
        {
            return null;
        }
        double cpu = b.ServerCpuMicrosecondsPerConnection > 0 ? a.ServerCpuMicrosecondsPerConnection / b.ServerCpuMicrosecondsPerConnection : 0;
        return (a.ConnectionsPerSecond / b.ConnectionsPerSecond, cpu);
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
