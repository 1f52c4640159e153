using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>A received segment after parsing: the header fields the state machine needs, its options and payload.</summary>
public ref struct IncomingSegment
{
    /// <summary>SEG.SEQ.</summary>
    public SeqNumber Seq;
    /// <summary>SEG.ACK.</summary>
    public SeqNumber Ack;
    /// <summary>The control bits.</summary>
    public TcpFlags Flags;
    /// <summary>SEG.WND, unscaled as it came on the wire.</summary>
    public ushort Window;
    /// <summary>The parsed options.</summary>
    public TcpOptions Options;
    /// <summary>The segment text.</summary>
    public ReadOnlySpan<byte> Payload;
    /// <summary>The ECN field of the IP header that carried the segment (RFC 3168 5; <see cref="Wire.EcnCodepoint"/>).</summary>
    public byte Ecn;

    /// <summary>Whether <paramref name="flag"/> is set.</summary>
    public readonly bool Has(TcpFlags flag) => (Flags & flag) != 0;

    /// <summary>SEG.LEN of RFC 9293: payload plus one for SYN and one for FIN.</summary>
    public readonly int SequenceLength =>
        Payload.Length + ((Flags & TcpFlags.Syn) != 0 ? 1 : 0) + ((Flags & TcpFlags.Fin) != 0 ? 1 : 0);
}
