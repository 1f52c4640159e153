using System.Globalization;
using System.Text;
using System.Text.Json;
using Fastsocket.Simulation;

namespace Fastsocket.Cli.Commands;

/// <summary>Renders a <see cref="TransferReport"/> for people (aligned text) or for scripts (one JSON object).</summary>
internal static class TransferReportFormatter
{
    // Decimal units, as network throughput is conventionally quoted: 1 MB = 10^6 bytes, 1 Gbit = 10^9 bits.
    private const double BytesPerMegabyte = 1e6;
    private const double BitsPerGigabit = 1e9;

    public static void WriteText(TransferReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);

        var c = CultureInfo.InvariantCulture;
        writer.WriteLine(string.Create(c, $"bytes:            {report.Bytes}"));
        writer.WriteLine(string.Create(c, $"seconds:          {report.Seconds:F3}"));
        writer.WriteLine(string.Create(c,
            $"throughput:       {report.BytesPerSecond / BytesPerMegabyte:F2} MB/s ({report.BytesPerSecond * 8 / BitsPerGigabit:F3} Gbit/s)"));
        if (report.SimulatedSeconds > 0)
        {
            writer.WriteLine(string.Create(c, $"simulated secs:   {report.SimulatedSeconds:F3} (virtual clock, connection start to last byte)"));
        }
        writer.WriteLine(string.Create(c, $"retransmissions:  {report.Retransmits}"));
        writer.WriteLine(string.Create(c,
            $"  recovery:       fast {report.FastRetransmits}, rack {report.RackLossDetections}, tlp {report.TailLossProbes}, timeouts {report.RetransmitTimeouts}, spurious undone {report.SpuriousUndos}"));
        writer.WriteLine(string.Create(c, $"packets sent:     {report.PacketsSent}"));
        writer.WriteLine(string.Create(c, $"packets dropped:  {report.PacketsDropped}"));
        writer.WriteLine(string.Create(c, $"checksum drops:   {report.ChecksumDrops}"));
        writer.WriteLine(string.Create(c, $"verify seconds:   {report.VerifySeconds:F3} (hashing after the clock stopped)"));
        if (report.Error is not null)
        {
            writer.WriteLine($"error:            {report.Error}");
        }
        writer.WriteLine($"SHA-256 match:    {(report.Sha256Match ? "yes" : "no")}");
        writer.WriteLine($"  sent:           {report.SentSha256}");
        writer.WriteLine($"  received:       {report.ReceivedSha256}");
    }

    /// <summary>
    /// Writes exactly one JSON object and a newline. Utf8JsonWriter rather than JsonSerializer keeps the
    /// CLI free of reflection, so it stays trimmable and AOT-compilable; field names are snake_case by hand.
    /// </summary>
    public static void WriteJson(TransferReport report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("bytes", report.Bytes);
            json.WriteNumber("seconds", report.Seconds);
            json.WriteNumber("throughput_bytes_per_second", report.BytesPerSecond);
            json.WriteNumber("throughput_gbit_per_second", report.BytesPerSecond * 8 / BitsPerGigabit);
            json.WriteNumber("simulated_seconds", report.SimulatedSeconds);
            json.WriteNumber("retransmits", report.Retransmits);
            json.WriteNumber("fast_retransmits", report.FastRetransmits);
            json.WriteNumber("rack_loss_detections", report.RackLossDetections);
            json.WriteNumber("tail_loss_probes", report.TailLossProbes);
            json.WriteNumber("retransmit_timeouts", report.RetransmitTimeouts);
            json.WriteNumber("spurious_undos", report.SpuriousUndos);
            json.WriteNumber("packets_sent", report.PacketsSent);
            json.WriteNumber("packets_dropped", report.PacketsDropped);
            json.WriteNumber("checksum_drops", report.ChecksumDrops);
            json.WriteNumber("verify_seconds", report.VerifySeconds);
            if (report.Error is not null)
            {
                json.WriteString("error", report.Error);
            }
            json.WriteBoolean("sha256_match", report.Sha256Match);
            json.WriteString("sent_sha256", report.SentSha256);
            json.WriteString("received_sha256", report.ReceivedSha256);
            json.WriteEndObject();
        }

        writer.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
