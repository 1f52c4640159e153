using BenchmarkDotNet.Attributes;
using Fastsocket.Wire;

namespace Fastsocket.Benchmarks;

/// <summary>
/// The receive path's parsing, as NetworkEngine.Receive does it: IPv4 header (with header checksum),
/// TCP header with the full checksum over pseudo-header and payload, then the options.
/// </summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private byte[] _syn = [];
    private byte[] _data = [];

    [GlobalSetup]
    public void Setup()
    {
        _syn = Packets.Build(Packets.Client, 40000, Packets.Server, Packets.ServerPort, 1_000_000, 0, TcpFlags.Syn, 64240,
            Packets.SynOptions(123_456), ReadOnlySpan<byte>.Empty);
        var payload = new byte[1460];
        new Random(42).NextBytes(payload);
        _data = Packets.Build(Packets.Client, 40000, Packets.Server, Packets.ServerPort, 1_000_001, 2_000_001,
            TcpFlags.Ack | TcpFlags.Psh, 502, Packets.TimestampOptions(123_457, 987_654), payload);
        if (Parse(_syn) != 1460 || Parse(_data) != 1460)
        {
            throw new InvalidOperationException("the prebuilt packets do not parse");
        }
    }

    /// <summary>SYN with MSS, SACK-permitted, timestamps and window scale: 60-byte packet.</summary>
    [Benchmark]
    public int Syn() => Parse(_syn);

    /// <summary>Data segment with 1460 payload bytes and timestamps: 1512-byte packet, checksum-dominated.</summary>
    [Benchmark]
    public int Data1460() => Parse(_data);

    /// <summary>Only the option walk of the SYN (MSS, SACK-permitted, timestamps, window scale).</summary>
    [Benchmark]
    public int SynOptionsOnly()
    {
        ReadOnlySpan<byte> area = _syn.AsSpan(IPv4Header.Length + TcpHeader.MinLength, 20);
        return TcpOptions.TryParse(area, out TcpOptions options) ? options.Mss : -1;
    }

    private static int Parse(byte[] packet)
    {
        if (!IPv4Packet.TryParse(packet, out IPv4Packet ip, out _))
        {
            return -1;
        }
        if (!TcpHeader.TryParse(ip.Payload, ip.Source, ip.Destination, verifyChecksum: true, out TcpHeader tcp, out _))
        {
            return -2;
        }
        if (!TcpOptions.TryParse(tcp.Options, out TcpOptions options))
        {
            return -3;
        }
        return tcp.Payload.Length > 0 ? tcp.Payload.Length : options.Mss;
    }
}
