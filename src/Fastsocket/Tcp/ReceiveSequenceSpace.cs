namespace Fastsocket.Tcp;

/// <summary>
/// The receive sequence variables of RFC 9293 3.3.1 (with our window scale and what we last announced). A mutable
/// struct held as a field of <see cref="TcpConnection"/> and used in place, so the hot path makes no copies.
/// </summary>
internal struct ReceiveSequenceSpace
{
    /// <summary>IRS: the peer's initial sequence number.</summary>
    public SeqNumber Irs;

    /// <summary>RCV.NXT: the next sequence number expected.</summary>
    public SeqNumber Nxt;

    /// <summary>The highest right edge (RCV.NXT + window) ever announced: segments are accepted up to it, and it never moves back.</summary>
    public SeqNumber AdvertisedEdge;

    /// <summary>The ACK field of the last segment we sent (Last.ACK.sent of RFC 7323 4.3).</summary>
    public SeqNumber LastAckSent;

    /// <summary>Rcv.Wind.Shift of RFC 7323: our window scale.</summary>
    public int Shift;

    /// <summary>RCV.WND: what the peer may send beyond RCV.NXT, up to the highest edge announced.</summary>
    public readonly int Window => Math.Max(AdvertisedEdge - Nxt, 0);
}
