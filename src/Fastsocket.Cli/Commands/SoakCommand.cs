using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Fastsocket.Simulation;

namespace Fastsocket.Cli.Commands;

/// <summary>
/// <c>fastsocket soak</c>: runs the mixed, hostile workload of <see cref="SoakRunner"/> for some minutes and prints one
/// summary; exits 1 when a table did not drain or an exception went unhandled.
/// </summary>
internal sealed class SoakCommand : Command
{
    private readonly CliConsole _console;

    private readonly Option<double> _minutes = new("--minutes")
    {
        Description = $"How long to run, in minutes, above 0 and at most {SoakSpec.MaxMinutes.ToString(CultureInfo.InvariantCulture)}; fractions allowed (0.25 is 15 s).",
        HelpName = "minutes",
        DefaultValueFactory = _ => new SoakSpec().Minutes,
        CustomParser = ParseMinutes,
    };

    private readonly Option<int> _seed = new("--seed")
    {
        Description = "Seed for every random choice of the workload; the same seed gives the same mix.",
        DefaultValueFactory = _ => new SoakSpec().Seed,
        CustomParser = ParseSeed,
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the summary as a single JSON object on stdout.",
    };

    public SoakCommand(CliConsole console)
        : base("soak", "Run a mixed workload with faults, floods and malformed packets on the in-memory network; check that nothing leaks.")
    {
        ArgumentNullException.ThrowIfNull(console);
        _console = console;
        Options.Add(_minutes);
        Options.Add(_seed);
        Options.Add(_json);
        SetAction(Execute);
    }

    private int Execute(ParseResult parseResult)
    {
        var spec = new SoakSpec
        {
            Minutes = parseResult.GetValue(_minutes),
            Seed = parseResult.GetValue(_seed),
        };

        // Progress and the first errors go to stderr, so that with --json stdout carries nothing but the summary.
        SoakReport report = SoakRunner.Run(spec, _console.Error);
        if (parseResult.GetValue(_json))
        {
            WriteJson(report, _console.Out);
        }
        else
        {
            WriteText(report, _console.Out);
        }
        return report.Passed ? ExitCodes.Success : ExitCodes.Failed;
    }

    private static double ParseMinutes(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double minutes))
        {
            result.AddError($"Invalid value '{text}' for option '--minutes': must be a number of minutes, such as 30 or 0.25.");
            return 0;
        }
        if (!(minutes > 0 && minutes <= SoakSpec.MaxMinutes))
        {
            result.AddError($"Invalid value {text} for option '--minutes': must be above 0 and at most {SoakSpec.MaxMinutes.ToString(CultureInfo.InvariantCulture)}.");
        }
        return minutes;
    }

    private static int ParseSeed(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed))
        {
            result.AddError($"Invalid value '{text}' for option '--seed': must be a whole number from {int.MinValue} to {int.MaxValue}.");
        }
        return seed;
    }

    internal static void WriteJson(SoakReport report, TextWriter output)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("connections");
            foreach ((SoakOutcome outcome, long count) in report.Connections)
            {
                json.WriteNumber(OutcomeName(outcome), count);
            }
            json.WriteEndObject();
            json.WriteNumber("bytes_verified", report.BytesVerified);
            json.WriteNumber("heap_peak_bytes", report.HeapPeakBytes);
            json.WriteNumber("heap_final_bytes", report.HeapFinalBytes);
            json.WriteNumber("connections_left", report.ConnectionsLeft);
            json.WriteNumber("unhandled_exceptions", report.UnhandledExceptions);
            json.WriteNumber("server_errors", report.ServerErrors);
            json.WriteNumber("syn_flood_packets", report.SynFloodPackets);
            json.WriteNumber("malformed_packets", report.MalformedPackets);
            WriteCounts(json, "faults", report.Faults);
            WriteCounts(json, "drops", report.Drops);
            json.WriteNumber("time_wait_seconds", report.TimeWaitMicroseconds / 1e6);
            json.WriteNumber("syn_retries", SoakRunner.SynRetransmissions);
            json.WriteNumber("seconds", Math.Round(report.Seconds, 1));
            json.WriteNumber("drain_seconds", Math.Round(report.DrainSeconds, 1));
            json.WriteStartArray("first_errors");
            foreach (string error in report.FirstErrors)
            {
                json.WriteStringValue(error);
            }
            json.WriteEndArray();
            json.WriteBoolean("passed", report.Passed);
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    internal static void WriteText(SoakReport report, TextWriter output)
    {
        output.WriteLine($"soak: {report.TotalConnections:N0} connections in {report.Seconds:F0} s (drain {report.DrainSeconds:F1} s)");
        foreach ((SoakOutcome outcome, long count) in report.Connections)
        {
            output.WriteLine($"  {OutcomeName(outcome),-12}{count,12:N0}");
        }
        output.WriteLine($"bytes verified:       {report.BytesVerified:N0}");
        output.WriteLine($"heap peak / final:    {report.HeapPeakBytes:N0} / {report.HeapFinalBytes:N0} bytes");
        output.WriteLine($"SYN flood / malformed packets injected: {report.SynFloodPackets:N0} / {report.MalformedPackets:N0}");
        output.WriteLine($"lossy link faults:    {string.Join(", ", report.Faults.Select(static f => $"{f.Key} {f.Value:N0}"))}");
        output.WriteLine($"TIME-WAIT shortened to {report.TimeWaitMicroseconds / 1e6:0.###} s and SYN/SYN-ACK retries to {SoakRunner.SynRetransmissions} for the soak, so the tables can drain");
        output.WriteLine($"server errors:        {report.ServerErrors:N0}");
        output.WriteLine($"connections left:     {report.ConnectionsLeft:N0}");
        output.WriteLine($"unhandled exceptions: {report.UnhandledExceptions:N0}");
        foreach (string error in report.FirstErrors)
        {
            output.WriteLine($"  {error}");
        }
        output.WriteLine(report.Passed ? "PASS" : "FAIL");
    }

    private static void WriteCounts(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, long> counts)
    {
        json.WriteStartObject(name);
        foreach ((string key, long value) in counts.OrderBy(static c => c.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(key, value);
        }
        json.WriteEndObject();
    }

    private static string OutcomeName(SoakOutcome outcome) => outcome switch
    {
        SoakOutcome.Completed => "completed",
        SoakOutcome.Reset => "reset",
        SoakOutcome.Aborted => "aborted",
        SoakOutcome.TimedOut => "timed_out",
        _ => "failed",
    };
}
