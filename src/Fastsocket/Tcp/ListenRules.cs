using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>The LISTEN state (RFC 9293 3.10.7.2): what a segment that matches no connection but a listener calls for.</summary>
internal static class ListenRules
{
    /// <summary>
    /// A RST is ignored; an ACK is answered with a reset; a segment without SYN is ignored; a SYN opens a connection
    /// unless the listener's queue is full.
    /// </summary>
    public static ListenVerdict OnSegment(in FlowKey key, in IncomingSegment seg, bool canTakeSyn)
    {
        if (seg.Has(TcpFlags.Rst))
        {
            return new ListenVerdict(ListenAction.Ignore, TcpReply.None);
        }
        if (seg.Has(TcpFlags.Ack))
        {
            return new ListenVerdict(ListenAction.Reply, ResetRules.ForUnknownFlow(key, seg));
        }
        if (!seg.Has(TcpFlags.Syn))
        {
            return new ListenVerdict(ListenAction.Ignore, TcpReply.None);
        }
        return new ListenVerdict(canTakeSyn ? ListenAction.Open : ListenAction.DropQueueFull, TcpReply.None);
    }

    /// <summary>
    /// The ISS of a passive open: the generated one (RFC 6528), raised to <paramref name="floor"/> when a SYN reopens a
    /// TIME-WAIT 4-tuple, so the new incarnation's sequence numbers lie beyond the old one's (RFC 6191, as Linux).
    /// </summary>
    public static SeqNumber ChooseIss(SeqNumber generated, SeqNumber? floor) =>
        floor is SeqNumber minimum && generated <= minimum ? minimum : generated;
}
