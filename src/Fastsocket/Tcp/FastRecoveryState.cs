namespace Fastsocket.Tcp;

/// <summary>
/// The loss-episode bookkeeping every loss-based controller shares: the duplicate ACK count and the
/// three-duplicate trigger (RFC 5681 section 3.2), RFC 6582's "recover" guard against a second fast
/// retransmit for one episode, and the NewReno window arithmetic for partial and full ACKs. The controller
/// decides only how far to cut (ssthresh); this type decides when an episode starts and ends.
/// A mutable struct held in a field of its controller, so it costs no allocation or indirection.
/// </summary>
/// <remarks>
/// "recover" is stored as SND.MAX (one past the highest sequence sent) rather than the RFC's SND.MAX - 1, so
/// a full ACK is <c>ack &gt;= Recover</c> and "covers more than recover" is <c>ack &gt; Recover</c>.
/// </remarks>
internal struct FastRecoveryState
{
    /// <summary>RFC 5681 section 3.2: the third duplicate ACK starts fast retransmit.</summary>
    public const int DupAckThreshold = 3;

    /// <summary>Whether a fast recovery episode is under way.</summary>
    public bool InRecovery;

    /// <summary>False until the first loss episode (see <see cref="NewRenoCongestionControl.HasRecover"/>).</summary>
    public bool HasRecover;

    /// <summary>SND.MAX when the last loss episode (fast retransmit or timeout) began.</summary>
    public SeqNumber Recover;

    /// <summary>Consecutive duplicate ACKs.</summary>
    public int DuplicateAcks;

    /// <summary>Partial ACKs seen in the current recovery.</summary>
    public int PartialAcks;

    /// <summary>
    /// The current episode's window is set by Proportional Rate Reduction (a SACK connection's recovery), so the
    /// full ACK that ends it leaves cwnd at ssthresh (RFC 9937 section 4, Linux's tcp_end_cwnd_reduction).
    /// </summary>
    public bool RateReduction;

    /// <summary>
    /// A retransmission timeout's episode is under way (Linux's TCP_CA_Loss): from the timeout until SND.UNA reaches
    /// the SND.MAX of that moment.
    /// </summary>
    public bool InLoss;

    /// <summary>An ACK of new data has come since the last retransmission timeout (Linux's icsk_retransmits back at 0).</summary>
    public bool ProgressSinceTimeout;

    /// <summary>Forgets every episode (a new connection).</summary>
    public void Reset() => this = default;

    /// <summary>
    /// Counts a duplicate ACK of <paramref name="sndUna"/>. Returns <see cref="DuplicateAckKind.Inflate"/> in
    /// recovery (a segment left the network), <see cref="DuplicateAckKind.StartEpisode"/> when this is the
    /// third duplicate and it covers more than recover (RFC 6582 section 3.2 step 2), otherwise
    /// <see cref="DuplicateAckKind.None"/> (duplicates 1 and 2 allow limited transmit, RFC 3042).
    /// </summary>
    public DuplicateAckKind OnDuplicateAck(SeqNumber sndUna)
    {
        DuplicateAcks++;
        if (InRecovery)
        {
            return DuplicateAckKind.Inflate;
        }
        if (DuplicateAcks != DupAckThreshold)
        {
            return DuplicateAckKind.None;
        }
        // Duplicates that do not cover more than recover echo the retransmissions of an episode already handled.
        if (HasRecover && !(sndUna > Recover))
        {
            return DuplicateAckKind.None;
        }
        return DuplicateAckKind.StartEpisode;
    }

    /// <summary>Enters fast recovery after the controller has set ssthresh (RFC 6582 section 3.2 step 2).</summary>
    public void EnterRecovery(SeqNumber highestSent)
    {
        Recover = highestSent;
        HasRecover = true;
        InRecovery = true;
        InLoss = false;
        RateReduction = false;
        PartialAcks = 0;
    }

    /// <summary>Enters a recovery whose window Proportional Rate Reduction sets (RFC 6675 with RFC 9937).</summary>
    public void EnterRateReduction(SeqNumber highestSent)
    {
        EnterRecovery(highestSent);
        RateReduction = true;
        DuplicateAcks = 0;
    }

    /// <summary>A reduction proved spurious and was undone: no episode is under way any more.</summary>
    public void OnUndo()
    {
        InRecovery = false;
        InLoss = false;
        RateReduction = false;
        PartialAcks = 0;
    }

    /// <summary>
    /// A retransmission timeout ends any recovery and remembers SND.MAX (RFC 6582 section 3.2 step 4), so
    /// duplicates caused by the go-back-N resends do not start a second, spurious fast retransmit.
    /// </summary>
    public void OnTimeout(SeqNumber highestSent)
    {
        InRecovery = false;
        InLoss = true;
        ProgressSinceTimeout = false;
        RateReduction = false;
        PartialAcks = 0;
        DuplicateAcks = 0;
        Recover = highestSent;
        HasRecover = true;
    }

    /// <summary>
    /// An ACK that advanced SND.UNA to <paramref name="ack"/>: what it means for recovery. A full ACK ends the
    /// episode (RFC 6582 section 3.2 step 3); a partial ACK is counted (step 5).
    /// </summary>
    public RecoveryAckKind OnAck(SeqNumber ack)
    {
        DuplicateAcks = 0;
        ProgressSinceTimeout = true;
        if (InLoss && ack >= Recover)
        {
            InLoss = false;
        }
        if (!InRecovery)
        {
            return RecoveryAckKind.NotInRecovery;
        }
        if (ack >= Recover)
        {
            InRecovery = false;
            PartialAcks = 0;
            return RecoveryAckKind.FullAck;
        }
        PartialAcks++;
        return RecoveryAckKind.PartialAck;
    }

    /// <summary>
    /// cwnd after a full ACK, option (1) of RFC 6582 section 3.2 step 3: min(ssthresh, max(FlightSize, SMSS) +
    /// SMSS). Unlike option (2) (cwnd = ssthresh) it cannot release a burst when little data is left outstanding.
    /// </summary>
    public static int WindowAfterFullAck(int ssthresh, int flightSizeBefore, int bytesAcked, int mss)
    {
        int flightAfter = Math.Max(flightSizeBefore - bytesAcked, 0);
        return Math.Min(ssthresh, Math.Max(flightAfter, mss) + mss);
    }

    /// <summary>
    /// cwnd after a partial ACK (RFC 6582 section 3.2 step 5): deflate by what was acknowledged, add back one
    /// SMSS if at least that much was, so that about ssthresh worth of data stays in flight when recovery ends.
    /// </summary>
    public static int WindowAfterPartialAck(int cwnd, int bytesAcked, int mss)
    {
        int deflated = cwnd - bytesAcked;
        if (bytesAcked >= mss)
        {
            deflated += mss;
        }
        return Math.Max(deflated, mss);
    }

    /// <summary>cwnd + <paramref name="by"/>, saturating instead of overflowing.</summary>
    public static int Grow(int cwnd, int by) => cwnd > int.MaxValue - by ? int.MaxValue : cwnd + by;
}
