namespace Fastsocket.Tcp;

/// <summary>
/// One segment sent and not yet cumulatively acknowledged, as loss recovery sees it: its sequence range, when it
/// was last (re)transmitted (RACK's per-segment time, RFC 8985 6.1), and its scoreboard marks (RFC 6675).
/// A plain struct stored in place in <see cref="SentSegmentLog"/>'s ring, so recording one allocates nothing.
/// </summary>
internal struct SentSegment
{
    /// <summary>First sequence number the segment covers (moves up when a cumulative ACK covers part of it).</summary>
    public SeqNumber Start;

    /// <summary>One past the last sequence number the segment covers (a FIN counts).</summary>
    public SeqNumber End;

    /// <summary>When the segment was last transmitted, in the connection's clock microseconds.</summary>
    public long SentAt;

    /// <summary>The peer SACKed it (RFC 2018).</summary>
    public bool Sacked;

    /// <summary>Loss recovery deems it lost (RACK, or a timeout); stays set while its retransmission is in flight.</summary>
    public bool Lost;

    /// <summary>A retransmission of it is in flight (Linux's TCPCB_SACKED_RETRANS): counts in the pipe once more.</summary>
    public bool Retransmitted;

    /// <summary>It has been retransmitted at least once: an ACK of it is ambiguous (RFC 8985 6.2 step 2).</summary>
    public bool EverRetransmitted;

    /// <summary>
    /// It went out with PSH: a retransmission of it carries PSH again, as Linux's retransmission repeats the flags of
    /// the buffer it resends.
    /// </summary>
    public bool Push;

    /// <summary>Sequence space the segment covers.</summary>
    public readonly int Length => End - Start;
}
