namespace Fastsocket.Tcp;

/// <summary>
/// Loss-based congestion control: slow start and congestion avoidance (RFC 5681), the NewReno response to
/// partial acknowledgments during fast recovery (RFC 6582), and a 10-segment initial window (RFC 6928).
/// All sizes are bytes.
/// </summary>
/// <remarks>
/// Every <c>highestSent</c> argument is SND.MAX: one past the last sequence number ever sent (equal to
/// SND.NXT except while retransmitting after a timeout). The episode bookkeeping (duplicate ACKs, RFC 6582's
/// "recover", partial and full ACKs) lives in <see cref="FastRecoveryState"/>, shared with
/// <see cref="CubicCongestionControl"/>; this type adds the Reno window: halve on loss, one SMSS per RTT.
/// </remarks>
public sealed class NewRenoCongestionControl : ICongestionControl
{
    private int _mss;
    private int _bytesAckedInAvoidance;
    private FastRecoveryState _episode;

    /// <summary>A controller for a connection sending segments of <paramref name="mss"/> bytes.</summary>
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
        _episode.Reset();
    }

    /// <summary>The sender MSS the windows are counted in.</summary>
    public int Mss => _mss;

    /// <summary>IW = min(10*MSS, max(2*MSS, 14600)) — RFC 6928 section 2.</summary>
    public int InitialWindow { get; private set; }

    /// <inheritdoc/>
    public int Cwnd { get; private set; }

    /// <inheritdoc/>
    public int Ssthresh { get; private set; }

    /// <inheritdoc/>
    public bool InRecovery => _episode.InRecovery;

    /// <inheritdoc/>
    public bool InLossRecovery => _episode.InLoss;

    /// <summary>
    /// RFC 6582's "recover", stored as SND.MAX (one past the highest sequence number sent) when the last
    /// loss episode (fast retransmit or timeout) began. Meaningful once <see cref="HasRecover"/> is true.
    /// </summary>
    public SeqNumber Recover => _episode.Recover;

    /// <summary>
    /// False until the first loss episode. RFC 6582 section 3.2 step 1 initialises recover to the ISS; we
    /// instead treat "no episode yet" as "nothing to guard", which behaves the same except that a loss of the
    /// very first data segment (duplicate ACKs of ISS+1, which do not cover more than ISS) can still be
    /// fast-retransmitted instead of waiting for the timeout.
    /// </summary>
    public bool HasRecover => _episode.HasRecover;

    /// <summary>Consecutive duplicate ACKs.</summary>
    public int DuplicateAcks => _episode.DuplicateAcks;

    /// <summary>Partial ACKs seen in the current recovery; 1 right after the first (rearm the timer then).</summary>
    public int PartialAcks => _episode.PartialAcks;

    /// <summary>Whether cwnd is below ssthresh.</summary>
    public bool InSlowStart => Cwnd < Ssthresh;

    /// <summary>IW of RFC 6928 for the given MSS.</summary>
    public static int ComputeInitialWindow(int mss) => Math.Min(10 * mss, Math.Max(2 * mss, 14600));

    /// <summary>An ACK that advanced SND.UNA by <paramref name="bytesAcked"/>.</summary>
    /// <param name="ack">The segment's acknowledgment number (the new SND.UNA).</param>
    /// <param name="bytesAcked">Bytes newly acknowledged.</param>
    /// <param name="flightSizeBefore">Bytes outstanding before this ACK (SND.NXT - old SND.UNA).</param>
    /// <param name="highestSent">SND.MAX; unused by Reno.</param>
    /// <param name="nowMicroseconds">Unused: Reno's window does not depend on time.</param>
    /// <param name="rttSampleMicroseconds">Unused by Reno.</param>
    /// <param name="smoothedRttMicroseconds">Unused by Reno.</param>
    public AckResult OnAck(SeqNumber ack, int bytesAcked, int flightSizeBefore, SeqNumber highestSent,
        long nowMicroseconds = 0, long rttSampleMicroseconds = 0, long smoothedRttMicroseconds = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesAcked);
        switch (_episode.OnAck(ack))
        {
            case RecoveryAckKind.FullAck:
                _bytesAckedInAvoidance = 0;
                // With PRR the episode ends at ssthresh (RFC 9937 section 4); without, RFC 6582's option (1).
                Cwnd = _episode.RateReduction
                    ? Math.Max(Ssthresh, _mss)
                    : FastRecoveryState.WindowAfterFullAck(Ssthresh, flightSizeBefore, bytesAcked, _mss);
                return AckResult.None;
            case RecoveryAckKind.PartialAck:
                Cwnd = FastRecoveryState.WindowAfterPartialAck(Cwnd, bytesAcked, _mss);
                return AckResult.RetransmitFirstUnacked;
        }

        if (Cwnd < Ssthresh)
        {
            // RFC 5681 section 3.1 with RFC 3465 byte counting: grow by what the ACK covers, up to ssthresh; the
            // connection applies the limit L per ACK where its profile asks (TcpConfig.SlowStartGrowthLimit: Linux
            // has none, RFC 5681 one SMSS). What reaches past ssthresh counts in congestion avoidance.
            int room = Ssthresh - Cwnd;
            Cwnd = FastRecoveryState.Grow(Cwnd, Math.Min(bytesAcked, room));
            bytesAcked -= Math.Min(bytesAcked, room);
        }
        if (bytesAcked > 0)
        {
            // Congestion avoidance by byte counting (RFC 5681 section 3.1 eq. 3 alternative / RFC 3465):
            // one SMSS once a full cwnd of data has been acknowledged, i.e. about one SMSS per RTT.
            _bytesAckedInAvoidance += bytesAcked;
            if (_bytesAckedInAvoidance >= Cwnd)
            {
                _bytesAckedInAvoidance -= Cwnd;
                Cwnd = FastRecoveryState.Grow(Cwnd, _mss);
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
        switch (_episode.OnDuplicateAck(sndUna))
        {
            case DuplicateAckKind.Inflate:
                // RFC 5681 section 3.2 step 5: each further duplicate means a segment left the network.
                Cwnd = FastRecoveryState.Grow(Cwnd, _mss);
                return DupAckResult.None;
            case DuplicateAckKind.StartEpisode:
                Ssthresh = Math.Max(flightSize / 2, 2 * _mss);   // RFC 5681 eq. (4)
                _episode.EnterRecovery(highestSent);
                // Step 3: inflate by the three segments that left.
                Cwnd = Ssthresh + FastRecoveryState.DupAckThreshold * _mss;
                _bytesAckedInAvoidance = 0;
                return DupAckResult.FastRetransmit;
            default:
                return DupAckResult.None;
        }
    }

    /// <summary>The retransmission timer expired (RFC 5681 section 3.1 eq. (4) and the loss window).</summary>
    public void OnRetransmitTimeout(int flightSize, SeqNumber highestSent)
    {
        // RFC 5681 says FlightSize here; on a repeated timeout of the same segment the flight has not
        // changed, so callers that want the RFC 6298 "no further reduction" nuance pass the same value.
        Ssthresh = Math.Max(flightSize / 2, 2 * _mss);
        Cwnd = _mss;
        _bytesAckedInAvoidance = 0;
        _episode.OnTimeout(highestSent);
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

    /// <inheritdoc/>
    public void OnLossDetected(int flightSize, SeqNumber highestSent)
    {
        Ssthresh = Math.Max(flightSize / 2, 2 * _mss);
        _episode.EnterRateReduction(highestSent);
        Cwnd = Math.Max(Math.Min(Cwnd, Ssthresh), _mss);
    }

    /// <inheritdoc/>
    public void SetRecoveryWindow(int cwnd) => Cwnd = Math.Max(cwnd, _mss);

    /// <inheritdoc/>
    public void UndoReduction(int cwnd, int ssthresh)
    {
        _episode.OnUndo();
        Cwnd = Math.Max(cwnd, _mss);
        Ssthresh = Math.Max(ssthresh, 2 * _mss);
    }
}
