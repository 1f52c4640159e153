using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>The LISTEN state (RFC 9293 3.10.7.2): what a segment that matches no connection but a listener calls for.</summary>
internal static class ListenRules
{
    /// <summary>
    /// A RST is ignored. An ACK is answered with a reset, unless the listener is in cookie mode
    /// (<paramref name="cookieMode"/>: it sent SYN cookies recently), where a bare ACK may be the third step of a
    /// cookie handshake and is checked instead (and dropped silently when it fails, as Linux). A segment without SYN
    /// is ignored. A SYN is dropped when the accept queue is full (Linux does so even with cookies); when only the
    /// half-open queue is full it gets a cookie (<paramref name="cookies"/>) or is dropped, unless it reopens a
    /// TIME-WAIT 4-tuple (<paramref name="reopensTimeWait"/>): that peer is evidently real and its record is spent by
    /// the reopening, so Linux opens it past the bound, and so do we (a cookie ISN could not honour the RFC 6191 floor).
    /// Otherwise it opens a connection.
    /// </summary>
    public static ListenVerdict OnSegment(in FlowKey key, in IncomingSegment seg, bool acceptQueueFull, bool halfOpenFull,
        bool cookies, bool cookieMode, bool reopensTimeWait = false)
    {
        if (seg.Has(TcpFlags.Rst))
        {
            return new ListenVerdict(ListenAction.Ignore, TcpReply.None);
        }
        if (seg.Has(TcpFlags.Ack))
        {
            if (cookieMode && !seg.Has(TcpFlags.Syn))
            {
                return new ListenVerdict(ListenAction.CheckCookie, TcpReply.None);
            }
            return new ListenVerdict(ListenAction.Reply, ResetRules.ForUnknownFlow(key, seg));
        }
        if (!seg.Has(TcpFlags.Syn))
        {
            return new ListenVerdict(ListenAction.Ignore, TcpReply.None);
        }
        if (acceptQueueFull)
        {
            return new ListenVerdict(ListenAction.DropQueueFull, TcpReply.None);
        }
        if (halfOpenFull && !reopensTimeWait)
        {
            return new ListenVerdict(cookies ? ListenAction.SendCookie : ListenAction.DropQueueFull, TcpReply.None);
        }
        return new ListenVerdict(ListenAction.Open, TcpReply.None);
    }

    /// <summary>
    /// The rule without SYN cookies: a SYN opens a connection when the listener can take it
    /// (<paramref name="canTakeSyn"/>: neither queue full) and is dropped otherwise; RSTs and ACKs as above.
    /// </summary>
    public static ListenVerdict OnSegment(in FlowKey key, in IncomingSegment seg, bool canTakeSyn) =>
        OnSegment(key, seg, acceptQueueFull: !canTakeSyn, halfOpenFull: false, cookies: false, cookieMode: false);

    /// <summary>
    /// The ISS of a passive open: the generated one (RFC 6528), raised to <paramref name="floor"/> when a SYN reopens a
    /// TIME-WAIT 4-tuple, so the new incarnation's sequence numbers lie beyond the old one's (RFC 6191, as Linux).
    /// </summary>
    public static SeqNumber ChooseIss(SeqNumber generated, SeqNumber? floor) =>
        floor is SeqNumber minimum && generated <= minimum ? minimum : generated;
}
