using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>The reset for a segment that belongs to no connection (RFC 9293 3.10.7.1, the CLOSED state).</summary>
internal static class ResetRules
{
    /// <summary>
    /// A RST is never answered; a segment with ACK gets &lt;SEQ=SEG.ACK&gt;&lt;CTL=RST&gt;; any other gets
    /// &lt;SEQ=0&gt;&lt;ACK=SEG.SEQ+SEG.LEN&gt;&lt;CTL=RST,ACK&gt;.
    /// </summary>
    public static TcpReply ForUnknownFlow(in FlowKey key, in IncomingSegment seg)
    {
        if (seg.Has(TcpFlags.Rst))
        {
            return TcpReply.None;
        }
        TcpOptions none = default;
        if (seg.Has(TcpFlags.Ack))
        {
            return new TcpReply(key, seg.Ack.Value, 0, TcpFlags.Rst, 0, none);
        }
        return new TcpReply(key, 0, (seg.Seq + seg.SequenceLength).Value, TcpFlags.Rst | TcpFlags.Ack, 0, none);
    }
}
