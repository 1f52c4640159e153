using Fastsocket.Wire;

namespace Fastsocket.Benchmarks;

/// <summary>Builds the packets the benchmarks feed in: IPv4 + TCP, written with the stack's own writers.</summary>
internal static class Packets
{
    public static readonly IpAddress Client = IpAddress.FromIPv4(198, 18, 0, 1);
    public static readonly IpAddress Server = IpAddress.FromIPv4(198, 18, 0, 2);
    public const ushort ServerPort = 80;

    /// <summary>What a Linux client puts in a SYN: MSS, SACK-permitted, timestamps and window scale (20 bytes).</summary>
    public static TcpOptions SynOptions(uint tsVal, uint tsEcr = 0) => new()
    {
        HasMss = true,
        Mss = 1460,
        SackPermitted = true,
        HasTimestamps = true,
        TsVal = tsVal,
        TsEcr = tsEcr,
        HasWindowScale = true,
        WindowScale = 7,
    };

    /// <summary>Options of an established segment: timestamps only (12 bytes).</summary>
    public static TcpOptions TimestampOptions(uint tsVal, uint tsEcr) => new()
    {
        HasTimestamps = true,
        TsVal = tsVal,
        TsEcr = tsEcr,
    };

    public static byte[] Build(IpAddress from, ushort fromPort, IpAddress to, ushort toPort, uint seq, uint ack,
        TcpFlags flags, ushort window, in TcpOptions options, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[IPv4Header.Length + TcpSegmentWriter.HeaderLength(options) + payload.Length];
        int tcpLength = TcpSegmentWriter.Write(packet.AsSpan(IPv4Header.Length), from, fromPort, to, toPort,
            seq, ack, flags, window, options, payload);
        IPv4Header.Write(packet, from, to, IpProtocol.Tcp, tcpLength, 1);
        return packet;
    }
}
