using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>A received segment after parsing: the header fields the state machine needs, its options and payload.</summary>
public ref struct IncomingSegment
{
    public SeqNumber Seq;
    public SeqNumber Ack;
    public TcpFlags Flags;
    public ushort Window;
    public TcpOptions Options;
    public ReadOnlySpan<byte> Payload;

    public readonly bool Has(TcpFlags flag) => (Flags & flag) != 0;

    /// <summary>SEG.LEN of RFC 9293: payload plus one for SYN and one for FIN.</summary>
    public readonly int SequenceLength =>
        Payload.Length + ((Flags & TcpFlags.Syn) != 0 ? 1 : 0) + ((Flags & TcpFlags.Fin) != 0 ? 1 : 0);
}
