namespace Fastsocket.Tcp;

/// <summary>
/// Loss-based congestion control: slow start and congestion avoidance (RFC 5681), the NewReno response to
/// partial acknowledgments during fast recovery (RFC 6582), and a 10-segment initial window (RFC 6928).
/// All sizes are bytes.
/// </summary>
/// <remarks>
/// Every <c>highestSent</c> argument is SND.MAX: one past the last sequence number ever sent (equal to
/// SND.NXT except while retransmitting after a timeout). RFC 6582's "recover" is the last sequence number
/// sent, i.e. SND.MAX - 1; we store SND.MAX instead, so the RFC's tests become: full ACK iff
/// ack - 1 >= SND.MAX - 1 iff ack >= Recover; "covers more than recover" iff ack - 1 > SND.MAX - 1 iff
/// ack > Recover. Storing the exclusive end means callers never do the off-by-one themselves.
/// </remarks>
public sealed class NewRenoCongestionControl : ICongestionControl
{
    private const int DupAckThreshold = 3;

    private int _mss;
    private int _bytesAckedInAvoidance;
    private bool _hasRecover;

    /// <summary>A controller for a sender MSS of <paramref name="mss"/>.</summary>
    public NewRenoCongestionControl(int mss)
    {
        Reset(mss);
    }

    /// <summary>Returns to the state of a new connection, so pooled connections reuse the object instead of allocating.</summary>
    public void Reset(int mss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mss);
        _mss = mss;
        InitialWindow = ComputeInitialWindow(mss);
        Cwnd = InitialWindow;
        // RFC 5681 section 3.1: ssthresh starts "arbitrarily high"; half of int keeps cwnd arithmetic safe.
        Ssthresh = int.MaxValue / 2;
        _bytesAckedInAvoidance = 0;
        _hasRecover = false;
        InRecovery = false;
        Recover = default;
        DuplicateAcks = 0;
        PartialAcks = 0;
    }

    /// <summary>The sender MSS the windows count in.</summary>
    public int Mss => _mss;

    /// <summary>IW = min(10*MSS, max(2*MSS, 14600)) — RFC 6928 section 2.</summary>
    public int InitialWindow { get; private set; }

    /// <inheritdoc/>
    public int Cwnd { get; private set; }

    /// <inheritdoc/>
    public int Ssthresh { get; private set; }

    /// <inheritdoc/>
    public bool InRecovery { get; private set; }

    /// <summary>
    /// RFC 6582's "recover", stored as SND.MAX (one past the highest sequence number sent) when the last
    /// loss episode (fast retransmit or timeout) began. Meaningful once <see cref="HasRecover"/> is true.
    /// </summary>
    public SeqNumber Recover { get; private set; }

    /// <summary>
    /// False until the first loss episode. RFC 6582 section 3.2 step 1 initialises recover to the ISS; we
    /// instead treat "no episode yet" as "nothing to guard", which behaves the same except that a loss of the
    /// very first data segment (duplicate ACKs of ISS+1, which do not cover more than ISS) can still be
    /// fast-retransmitted instead of waiting for the timeout.
    /// </summary>
    public bool HasRecover => _hasRecover;

    /// <summary>Duplicate ACKs counted since the last new ACK.</summary>
    public int DuplicateAcks { get; private set; }

    /// <summary>Partial ACKs seen in the current recovery; 1 right after the first (rearm the timer then).</summary>
    public int PartialAcks { get; private set; }

    /// <summary>Whether cwnd is below ssthresh (RFC 5681 3.1).</summary>
    public bool InSlowStart => Cwnd < Ssthresh;

    /// <summary>IW = min(10*MSS, max(2*MSS, 14600)) (RFC 6928 section 2).</summary>
    public static int ComputeInitialWindow(int mss) => Math.Min(10 * mss, Math.Max(2 * mss, 14600));

    /// <summary>An ACK that advanced SND.UNA by <paramref name="bytesAcked"/>.</summary>
    /// <param name="ack">The segment's acknowledgment number (the new SND.UNA).</param>
    /// <param name="bytesAcked">Bytes newly acknowledged.</param>
    /// <param name="flightSizeBefore">Bytes outstanding before this ACK (SND.NXT - old SND.UNA).</param>
    /// <param name="highestSent">SND.MAX; unused today, kept so a later refinement needs no API change.</param>
    public AckResult OnAck(SeqNumber ack, int bytesAcked, int flightSizeBefore, SeqNumber highestSent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesAcked);
        _ = highestSent;
        DuplicateAcks = 0;
        if (InRecovery)
        {
            // RFC 6582 section 3.2 step 3: a full ACK acknowledges everything up to and including recover.
            if (ack >= Recover)
            {
                InRecovery = false;
                PartialAcks = 0;
                _bytesAckedInAvoidance = 0;
                // Option (1) of step 3: min(ssthresh, max(FlightSize, SMSS) + SMSS). Unlike option (2)
                // (cwnd = ssthresh) it cannot release a burst when little data is left outstanding.
                int flightAfter = Math.Max(flightSizeBefore - bytesAcked, 0);
                Cwnd = Math.Min(Ssthresh, Math.Max(flightAfter, _mss) + _mss);
                return AckResult.None;
            }

            // Step 5: partial ACK. Deflate by what was acknowledged, add back one SMSS if at least that much
            // was, so that about ssthresh worth of data stays in flight when recovery ends.
            PartialAcks++;
            int deflated = Cwnd - bytesAcked;
            if (bytesAcked >= _mss)
            {
                deflated += _mss;
            }
            Cwnd = Math.Max(deflated, _mss);
            return AckResult.RetransmitFirstUnacked;
        }

        if (Cwnd < Ssthresh)
        {
            // RFC 5681 section 3.1, with RFC 3465 byte counting and L = 1 SMSS: stretch ACKs after ACK loss
            // do not make slow start more aggressive than one SMSS per ACK.
            Cwnd = Grow(Cwnd, Math.Min(bytesAcked, _mss));
        }
        else
        {
            // Congestion avoidance by byte counting (RFC 5681 section 3.1 eq. 3 alternative / RFC 3465):
            // one SMSS once a full cwnd of data has been acknowledged, i.e. about one SMSS per RTT.
            _bytesAckedInAvoidance += bytesAcked;
            if (_bytesAckedInAvoidance >= Cwnd)
            {
                _bytesAckedInAvoidance -= Cwnd;
                Cwnd = Grow(Cwnd, _mss);
            }
        }
        return AckResult.None;
    }

    /// <summary>An ACK that did not advance SND.UNA and counts as a duplicate per RFC 5681 section 2.</summary>
    /// <param name="sndUna">The duplicated acknowledgment number (SND.UNA).</param>
    /// <param name="flightSize">Bytes outstanding (SND.NXT - SND.UNA).</param>
    /// <param name="highestSent">SND.MAX.</param>
    public DupAckResult OnDuplicateAck(SeqNumber sndUna, int flightSize, SeqNumber highestSent)
    {
        DuplicateAcks++;
        if (InRecovery)
        {
            // RFC 5681 section 3.2 step 5: each further duplicate means a segment left the network.
            Cwnd = Grow(Cwnd, _mss);
            return DupAckResult.None;
        }
        if (DuplicateAcks != DupAckThreshold)
        {
            // Duplicates 1 and 2 allow limited transmit (RFC 3042), which is the sender's decision.
            return DupAckResult.None;
        }
        // RFC 6582 section 3.2 step 2: only if the cumulative ACK covers more than recover; otherwise these
        // duplicates are echoes of the retransmissions of an episode already handled.
        if (_hasRecover && !(sndUna > Recover))
        {
            return DupAckResult.None;
        }
        Ssthresh = Math.Max(flightSize / 2, 2 * _mss);   // RFC 5681 eq. (4)
        Recover = highestSent;
        _hasRecover = true;
        Cwnd = Ssthresh + DupAckThreshold * _mss;           // step 3: inflate by the three segments that left
        InRecovery = true;
        PartialAcks = 0;
        _bytesAckedInAvoidance = 0;
        return DupAckResult.FastRetransmit;
    }

    /// <summary>The retransmission timer expired (RFC 5681 section 3.1 eq. (4) and the loss window).</summary>
    public void OnRetransmitTimeout(int flightSize, SeqNumber highestSent)
    {
        // RFC 5681 says FlightSize here; on a repeated timeout of the same segment the flight has not
        // changed, so callers that want the RFC 6298 "no further reduction" nuance pass the same value.
        Ssthresh = Math.Max(flightSize / 2, 2 * _mss);
        Cwnd = _mss;
        InRecovery = false;
        PartialAcks = 0;
        DuplicateAcks = 0;
        _bytesAckedInAvoidance = 0;
        // RFC 6582 section 3.2 step 4 (timeouts): remember the highest sequence sent so duplicates caused by
        // the go-back-N retransmissions do not trigger a second, spurious fast retransmit.
        Recover = highestSent;
        _hasRecover = true;
    }

    /// <summary>
    /// RFC 5681 section 4.1: after an idle period longer than the RTO, restart from
    /// RW = min(IW, cwnd) so that a stale, large cwnd cannot release a line-rate burst. The caller decides
    /// when the connection was idle that long.
    /// </summary>
    public void OnIdleRestart()
    {
        Cwnd = Math.Min(Cwnd, InitialWindow);
        _bytesAckedInAvoidance = 0;
    }

    private static int Grow(int cwnd, int by) => cwnd > int.MaxValue - by ? int.MaxValue : cwnd + by;
}
