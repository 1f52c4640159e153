using System.Text.Json;
using Fastsocket.Cli.Commands;
using Fastsocket.Simulation;

namespace Fastsocket.Tests.Cli;

/// <summary>
/// The report formats are a contract with scripts (JSON) and people (text); these pin them down with a
/// hand-made report, independent of the transfer runner.
/// </summary>
public sealed class TransferReportFormatterTests
{
    private static readonly TransferReport Report = new()
    {
        Bytes = 2_000_000,
        Seconds = 0.5,
        Retransmits = 7,
        Sha256Match = false,
        SentSha256 = new string('a', 64),
        ReceivedSha256 = new string('b', 64),
        PacketsSent = 1400,
        PacketsDropped = 12,
        ChecksumDrops = 3,
    };

    [Fact]
    public void Json_is_one_object_with_snake_case_report_fields()
    {
        using var writer = new StringWriter();
        TransferReportFormatter.WriteJson(Report, writer);

        using var document = JsonDocument.Parse(writer.ToString());
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(2_000_000, root.GetProperty("bytes").GetInt64());
        Assert.Equal(0.5, root.GetProperty("seconds").GetDouble());
        Assert.Equal(4_000_000, root.GetProperty("throughput_bytes_per_second").GetDouble());
        Assert.Equal(7, root.GetProperty("retransmits").GetInt64());
        Assert.False(root.GetProperty("sha256_match").GetBoolean());
        Assert.Equal(new string('a', 64), root.GetProperty("sent_sha256").GetString());
        Assert.Equal(new string('b', 64), root.GetProperty("received_sha256").GetString());
        Assert.Equal(1400, root.GetProperty("packets_sent").GetInt64());
        Assert.Equal(12, root.GetProperty("packets_dropped").GetInt64());
        Assert.Equal(3, root.GetProperty("checksum_drops").GetInt64());
    }

    [Fact]
    public void Text_shows_throughput_in_both_units_and_both_hashes()
    {
        using var writer = new StringWriter();
        TransferReportFormatter.WriteText(Report, writer);
        var text = writer.ToString();

        // 2,000,000 bytes in 0.5 s = 4 MB/s = 0.032 Gbit/s (decimal units).
        Assert.Contains("4.00 MB/s", text, StringComparison.Ordinal);
        Assert.Contains("0.032 Gbit/s", text, StringComparison.Ordinal);
        Assert.Contains("SHA-256 match:    no", text, StringComparison.Ordinal);
        Assert.Contains(new string('a', 64), text, StringComparison.Ordinal);
        Assert.Contains(new string('b', 64), text, StringComparison.Ordinal);
        Assert.Contains("retransmissions:  7", text, StringComparison.Ordinal);
    }

    [Fact]
    public void BothFormatsCarryTheSendersRecoveryCountersAndTheSimulatedTime()
    {
        TransferReport report = Report with
        {
            SimulatedSeconds = 6.5,
            FastRetransmits = 11,
            RackLossDetections = 13,
            TailLossProbes = 17,
            RetransmitTimeouts = 19,
            SpuriousUndos = 23,
        };
        using var json = new StringWriter();
        TransferReportFormatter.WriteJson(report, json);
        using var document = JsonDocument.Parse(json.ToString());
        var root = document.RootElement;
        Assert.Equal(6.5, root.GetProperty("simulated_seconds").GetDouble());
        Assert.Equal(11, root.GetProperty("fast_retransmits").GetInt64());
        Assert.Equal(13, root.GetProperty("rack_loss_detections").GetInt64());
        Assert.Equal(17, root.GetProperty("tail_loss_probes").GetInt64());
        Assert.Equal(19, root.GetProperty("retransmit_timeouts").GetInt64());
        Assert.Equal(23, root.GetProperty("spurious_undos").GetInt64());

        using var text = new StringWriter();
        TransferReportFormatter.WriteText(report, text);
        Assert.Contains("simulated secs:   6.500", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("fast 11, rack 13, tlp 17, timeouts 19, spurious undone 23", text.ToString(), StringComparison.Ordinal);
    }
}
