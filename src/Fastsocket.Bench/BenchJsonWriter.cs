using System.Text;
using System.Text.Json;

namespace Fastsocket.Bench;

/// <summary>
/// The report as one JSON object: <c>{"results": [...], "machine": {...}}</c>. Utf8JsonWriter with
/// snake_case names written by hand, no reflection, so the CLI stays trimmable and AOT-compatible.
/// Unknown figures (the kernel's packets per connection) are JSON null.
/// </summary>
public static class BenchJsonWriter
{
    /// <summary>The whole report as indented UTF-8 JSON text; numbers use the invariant format.</summary>
    public static string ToJson(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("results");
            foreach (var result in report.Results)
            {
                json.WriteStartObject();
                json.WriteString("design", result.Design);
                json.WriteNumber("server_cores", result.ServerCores);
                json.WriteNumber("client_cores", result.ClientCores);
                json.WriteNumber("cps", Math.Round(result.Cps, 1));
                json.WriteNumber("per_core_cps", Math.Round(result.PerCoreCps, 1));
                json.WriteNumber("p50_us", result.P50Us);
                json.WriteNumber("p99_us", result.P99Us);
                json.WriteNumber("p999_us", result.P999Us);
                json.WriteNumber("errors", result.Errors);
                json.WriteNumber("connections", result.Connections);
                json.WriteNumber("seconds", result.Seconds);
                WriteNullable(json, "packets_per_connection", result.PacketsPerConnection);
                WriteNullable(json, "drops", result.Drops);
                if (result.DropReasons is { } reasons)
                {
                    json.WriteStartObject("drop_reasons");
                    foreach (var (reason, count) in reasons.OrderBy(r => r.Key, StringComparer.Ordinal))
                    {
                        json.WriteNumber(reason, count);
                    }

                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNull("drop_reasons");
                }

                WriteNullable(json, "locks_per_connection", result.LocksPerConnection);
                WriteNullable(json, "handoffs_per_connection", result.HandoffsPerConnection);
                WriteNullable(json, "allocated_bytes_per_connection", result.AllocatedBytesPerConnection);
                WriteNullable(json, "gc_pause_share", result.GcPauseShare);
                WriteNullable(json, "server_idle_share", result.ServerIdleShare);
                WriteNullable(json, "client_idle_share", result.ClientIdleShare);
                WriteNullable(json, "engine_run_queue_wait_share", result.EngineRunQueueWaitShare);
                WriteNullable(json, "wire_packets_per_batch", result.WirePacketsPerBatch);
                WriteNullable(json, "engine_sleeps_per_connection", result.EngineSleepsPerConnection);
                json.WriteNumber("syn_flood_pps", result.SynFloodPps);
                WriteNullable(json, "syn_cookies_sent", result.SynCookiesSent);
                WriteNullable(json, "syn_cookies_validated", result.SynCookiesValidated);
                WriteNullable(json, "ratio_to_kernel", report.RatioToKernel(result) is { } ratio ? Math.Round(ratio, 4) : null);
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
                json.WriteString("cpu", cpu);
            }
            else
            {
                json.WriteNull("cpu");
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
