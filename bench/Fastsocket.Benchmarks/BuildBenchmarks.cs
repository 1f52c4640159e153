using BenchmarkDotNet.Attributes;
using Fastsocket.Wire;

namespace Fastsocket.Benchmarks;

/// <summary>
/// The transmit path's segment writer: header, options and checksum over pseudo-header and segment,
/// into a reused buffer as TcpConnection.Emit does.
/// </summary>
[MemoryDiagnoser]
public class BuildBenchmarks
{
    private readonly byte[] _buffer = new byte[2048];
    private readonly byte[] _payload = new byte[1448];
    private TcpOptions _synAckOptions;
    private TcpOptions _dataOptions;

    [GlobalSetup]
    public void Setup()
    {
        new Random(42).NextBytes(_payload);
        _synAckOptions = Packets.SynOptions(987_654, 123_456);
        _dataOptions = Packets.TimestampOptions(987_655, 123_457);
    }

    /// <summary>SYN-ACK with MSS, SACK-permitted, timestamps and window scale (40-byte segment).</summary>
    [Benchmark]
    public int SynAck() => TcpSegmentWriter.Write(_buffer, Packets.Server, Packets.ServerPort, Packets.Client, 40000,
        2_000_000, 1_000_001, TcpFlags.Syn | TcpFlags.Ack, 65535, _synAckOptions, ReadOnlySpan<byte>.Empty);

    /// <summary>Full-sized data segment with timestamps (1448 + 32 bytes), payload copied in.</summary>
    [Benchmark]
    public int Data1448() => TcpSegmentWriter.Write(_buffer.AsSpan(IPv4Header.Length), Packets.Server, Packets.ServerPort,
        Packets.Client, 40000, 2_000_001, 1_000_001, TcpFlags.Ack | TcpFlags.Psh, 502, _dataOptions, _payload);

    /// <summary>The same segment, payload already in place (the send path copies it from the send buffer itself).</summary>
    [Benchmark]
    public int Data1448AroundPayload() => TcpSegmentWriter.WriteAroundPayload(_buffer.AsSpan(IPv4Header.Length), Packets.Server,
        Packets.ServerPort, Packets.Client, 40000, 2_000_001, 1_000_001, TcpFlags.Ack | TcpFlags.Psh, 502, _dataOptions, _payload.Length);

    /// <summary>The data segment plus its IPv4 header: everything the engine writes for one packet.</summary>
    [Benchmark]
    public int Data1448WithIPv4()
    {
        int tcpLength = TcpSegmentWriter.Write(_buffer.AsSpan(IPv4Header.Length), Packets.Server, Packets.ServerPort,
            Packets.Client, 40000, 2_000_001, 1_000_001, TcpFlags.Ack | TcpFlags.Psh, 502, _dataOptions, _payload);
        return IPv4Header.Write(_buffer, Packets.Server, Packets.Client, IpProtocol.Tcp, tcpLength, 7) + tcpLength;
    }
}
