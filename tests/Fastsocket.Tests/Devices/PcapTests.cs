using Fastsocket.Devices;
using Fastsocket.Time;

namespace Fastsocket.Tests.Devices;

public sealed class PcapTests
{
    private static readonly byte[] ExpectedFileHeader =
    [
        0xd4, 0xc3, 0xb2, 0xa1, // magic 0xa1b2c3d4, little-endian: microsecond timestamps
        0x02, 0x00, 0x04, 0x00, // version 2.4
        0x00, 0x00, 0x00, 0x00, // thiszone
        0x00, 0x00, 0x00, 0x00, // sigfigs
        0xff, 0xff, 0x00, 0x00, // snaplen 65535
        0x65, 0x00, 0x00, 0x00, // LINKTYPE_RAW = 101
    ];

    [Fact]
    public void File_header_is_exact()
    {
        using var stream = new MemoryStream();
        using (new PcapWriter(stream, leaveOpen: true))
        {
        }

        Assert.Equal(ExpectedFileHeader, stream.ToArray());
    }

    [Fact]
    public void Record_bytes_are_exact()
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, leaveOpen: true))
        {
            writer.Write([0x45, 0x00, 0xAB], 3_000_123_456);
            writer.Write([], 7);
            Assert.Equal(2, writer.PacketsWritten);
        }

        // 3_000_123_456 us = 3000 s + 123456 us.
        byte[] expected =
        [
            .. ExpectedFileHeader,
            0xb8, 0x0b, 0x00, 0x00, // ts_sec 3000
            0x40, 0xe2, 0x01, 0x00, // ts_usec 123456
            0x03, 0x00, 0x00, 0x00, // incl_len
            0x03, 0x00, 0x00, 0x00, // orig_len
            0x45, 0x00, 0xAB,
            0x00, 0x00, 0x00, 0x00, // ts_sec 0
            0x07, 0x00, 0x00, 0x00, // ts_usec 7
            0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ];
        Assert.Equal(expected, stream.ToArray());
    }

    [Fact]
    public void Oversize_packets_are_truncated_to_snaplen_and_negative_times_clamped()
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, leaveOpen: true))
        {
            writer.Write(new byte[70_000], -5);
        }

        byte[] bytes = stream.ToArray();
        Assert.Equal(24 + 16 + 65535, bytes.Length);
        Assert.Equal(0u, BitConverter.ToUInt32(bytes, 24));
        Assert.Equal(0u, BitConverter.ToUInt32(bytes, 28));
        Assert.Equal(65535u, BitConverter.ToUInt32(bytes, 32));
        Assert.Equal(70_000u, BitConverter.ToUInt32(bytes, 36));
    }

    [Fact]
    public void Writes_to_a_file_path_and_rejects_use_after_dispose()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fastsocket-{Guid.NewGuid():N}.pcap");
        try
        {
            var writer = new PcapWriter(path);
            writer.Write([1, 2, 3, 4], 1);
            writer.Dispose();
            writer.Dispose();
            Assert.Throws<ObjectDisposedException>(() => writer.Write([1], 2));
            Assert.Equal(24 + 16 + 4, new FileInfo(path).Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Tap_records_transmits_and_receives_with_clock_timestamps_and_passes_packets_through()
    {
        var clock = new VirtualClock(startMicroseconds: 2_000_000);
        var link = new InMemoryLink(1500, clock);
        using var stream = new MemoryStream();
        using var writer = new PcapWriter(stream, leaveOpen: true);
        var tap = new PcapTap(link.A, writer, clock);

        Assert.Equal(1500, tap.Mtu);
        Assert.Same(link.A, tap.Inner);

        tap.Transmit([0xAA, 0xBB]);
        tap.Flush();
        var atB = new CollectingReceiver();
        Assert.Equal(1, link.B.Poll(atB, 10));
        Assert.Equal(new byte[] { 0xAA, 0xBB }, atB.Packets[0]);

        clock.Advance(250);
        link.B.Transmit([0xCC]);
        link.B.Flush();
        var atA = new CollectingReceiver();
        Assert.Equal(1, tap.Poll(atA, 10));
        Assert.Equal(new byte[] { 0xCC }, atA.Packets[0]);
        Assert.Equal(0, tap.Poll(atA, 10));

        Assert.Equal(2, writer.PacketsWritten);
        byte[] bytes = stream.ToArray();
        byte[] expected =
        [
            .. ExpectedFileHeader,
            0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0xAA, 0xBB,
            0x02, 0x00, 0x00, 0x00, 0xfa, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xCC,
        ];
        Assert.Equal(expected, bytes);
    }
}
