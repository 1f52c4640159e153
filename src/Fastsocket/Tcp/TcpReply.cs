using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// A segment without payload that a TCP rule wants sent (a reset, or an ACK for a TIME-WAIT record), or none. The
/// rules decide; the engine only transmits, so the protocol stays in the Tcp layer (as smoltcp's <c>rst_reply</c>).
/// </summary>
internal readonly struct TcpReply
{
    /// <summary>Builds a reply on <paramref name="key"/> (from our side: local is the source).</summary>
    public TcpReply(in FlowKey key, uint seq, uint ack, TcpFlags flags, ushort window, in TcpOptions options)
    {
        Key = key;
        Seq = seq;
        Ack = ack;
        Flags = flags;
        Window = window;
        Options = options;
    }

    /// <summary>No segment to send.</summary>
    public static TcpReply None => default;

    /// <summary>The 4-tuple, local side first.</summary>
    public FlowKey Key { get; }

    /// <summary>SEG.SEQ.</summary>
    public uint Seq { get; }

    /// <summary>SEG.ACK (meaningful when <see cref="Flags"/> has ACK).</summary>
    public uint Ack { get; }

    /// <summary>The control bits; none means there is nothing to send.</summary>
    public TcpFlags Flags { get; }

    /// <summary>The window field, as it goes on the wire.</summary>
    public ushort Window { get; }

    /// <summary>The options to send (timestamps for a TIME-WAIT ACK, none for a reset).</summary>
    public TcpOptions Options { get; }

    /// <summary>Whether there is no segment to send.</summary>
    public bool IsNone => Flags == TcpFlags.None;

    /// <summary>Whether the reply is a reset.</summary>
    public bool IsReset => (Flags & TcpFlags.Rst) != 0;

    /// <summary>Writes the IPv4 packet carrying this segment into <paramref name="packet"/>; returns its length.</summary>
    public int WriteIPv4(Span<byte> packet, ushort identification)
    {
        FlowKey key = Key;
        TcpOptions options = Options;
        int tcpLength = TcpSegmentWriter.Write(packet[IPv4Header.Length..], key.LocalAddress, key.LocalPort,
            key.RemoteAddress, key.RemotePort, Seq, Ack, Flags, Window, options, ReadOnlySpan<byte>.Empty);
        IPv4Header.Write(packet, key.LocalAddress, key.RemoteAddress, IpProtocol.Tcp, tcpLength, identification);
        return IPv4Header.Length + tcpLength;
    }
}
