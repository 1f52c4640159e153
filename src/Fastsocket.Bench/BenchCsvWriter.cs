using System.Globalization;
using System.Text;

namespace Fastsocket.Bench;

/// <summary>The results as CSV, one row per run, same columns as the JSON; unknown figures are empty cells.</summary>
public static class BenchCsvWriter
{
    /// <summary>The header row (snake_case column names, no trailing newline); its order is the rows' order.</summary>
    public const string Header =
        "design,server_cores,client_cores,cps,per_core_cps,p50_us,p99_us,p999_us,errors,connections,seconds,packets_per_connection,drops,ratio_to_kernel," +
        "allocated_bytes_per_connection,gc_pause_share,locks_per_connection,handoffs_per_connection,server_idle_share,client_idle_share," +
        "engine_run_queue_wait_share,wire_packets_per_batch,engine_sleeps_per_connection,syn_flood_pps,syn_cookies_sent,syn_cookies_validated";

    /// <summary>The header and one row per result, each ending in LF; numbers use the invariant culture.</summary>
    public static string ToCsv(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var c = CultureInfo.InvariantCulture;
        var csv = new StringBuilder();
        csv.Append(Header).Append('\n');
        foreach (var r in report.Results)
        {
            csv.Append(Quote(r.Design)).Append(',')
                .Append(r.ServerCores.ToString(c)).Append(',')
                .Append(r.ClientCores.ToString(c)).Append(',')
                .Append(r.Cps.ToString("F1", c)).Append(',')
                .Append(r.PerCoreCps.ToString("F1", c)).Append(',')
                .Append(r.P50Us.ToString("R", c)).Append(',')
                .Append(r.P99Us.ToString("R", c)).Append(',')
                .Append(r.P999Us.ToString("R", c)).Append(',')
                .Append(r.Errors.ToString(c)).Append(',')
                .Append(r.Connections.ToString(c)).Append(',')
                .Append(r.Seconds.ToString("R", c)).Append(',')
                .Append(r.PacketsPerConnection?.ToString("R", c)).Append(',')
                .Append(r.Drops?.ToString(c)).Append(',')
                .Append(report.RatioToKernel(r)?.ToString("F4", c)).Append(',')
                .Append(r.AllocatedBytesPerConnection?.ToString("R", c)).Append(',')
                .Append(r.GcPauseShare?.ToString("R", c)).Append(',')
                .Append(r.LocksPerConnection?.ToString("R", c)).Append(',')
                .Append(r.HandoffsPerConnection?.ToString("R", c)).Append(',')
                .Append(r.ServerIdleShare?.ToString("R", c)).Append(',')
                .Append(r.ClientIdleShare?.ToString("R", c)).Append(',')
                .Append(r.EngineRunQueueWaitShare?.ToString("R", c)).Append(',')
                .Append(r.WirePacketsPerBatch?.ToString("R", c)).Append(',')
                .Append(r.EngineSleepsPerConnection?.ToString("R", c)).Append(',')
                .Append(r.SynFloodPps.ToString(c)).Append(',')
                .Append(r.SynCookiesSent?.ToString(c)).Append(',')
                .Append(r.SynCookiesValidated?.ToString(c))
                .Append('\n');
        }

        return csv.ToString();
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
