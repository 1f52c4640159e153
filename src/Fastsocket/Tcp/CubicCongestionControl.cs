namespace Fastsocket.Tcp;

/// <summary>
/// CUBIC congestion control (RFC 9438), Linux's default: after a loss the window follows
/// W_cubic(t) = C*(t-K)^3 + W_max, concave up to the window at the last loss and convex beyond it, so growth
/// depends on time rather than on the RTT; a Reno-friendly estimate W_est keeps it at least as fast as Reno
/// where Reno would be faster (short RTTs, small windows). Slow start is Reno's with RFC 9406 HyStart++ as
/// its exit; loss recovery is the RFC 5681/6582 bookkeeping shared with <see cref="NewRenoCongestionControl"/>
/// through <see cref="FastRecoveryState"/>. Sizes are bytes at the interface and segments in the formulas;
/// times are microseconds at the interface and seconds in the formulas, as in the RFC.
/// </summary>
public sealed class CubicCongestionControl : ICongestionControl
{
    /// <summary>C of RFC 9438 section 5: segments per second cubed.</summary>
    public const double C = 0.4;

    /// <summary>beta_cubic of RFC 9438 section 4.6: the window after a loss is 0.7 of the window before it.</summary>
    public const double Beta = 0.7;

    /// <summary>alpha_cubic = 3 (1 - beta) / (1 + beta) (RFC 9438 section 4.3): Reno's average rate at the same loss rate.</summary>
    public const double RenoFriendlyAlpha = 3 * (1 - Beta) / (1 + Beta);

    // Beta as Linux's CUBIC holds it in fixed point (717/1024 = 0.7002), so ssthresh after a loss matches its
    // whole-segment arithmetic: 10 segments give 7, 15 give 10.
    private const int LinuxBetaNumerator = 717;
    private const int LinuxBetaDenominator = 1024;

    private int _mss;
    private FastRecoveryState _episode;
    private HyStartPlusPlus _hyStart;

    // The current congestion-avoidance epoch (RFC 9438 section 4.2); all in segments and microseconds.
    private bool _epochStarted;
    private long _epochStart;
    private double _wMax;
    private double _k;
    private double _wEst;
    private double _cwndPrior;
    private double _carryBytes;

    /// <summary>A controller for a connection sending segments of <paramref name="mss"/> bytes.</summary>
    public CubicCongestionControl(int mss, bool hyStart = true)
    {
        HyStartEnabled = hyStart;
        Reset(mss);
    }

    /// <summary>Whether slow start ends by HyStart++ (RFC 9406); when false only a loss ends it, as in plain Reno.</summary>
    public bool HyStartEnabled { get; set; }

    /// <summary>Returns to the state of a new connection, so pooled connections reuse the object instead of allocating.</summary>
    public void Reset(int mss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mss);
        _mss = mss;
        InitialWindow = NewRenoCongestionControl.ComputeInitialWindow(mss);
        Cwnd = InitialWindow;
        Ssthresh = int.MaxValue / 2;
        _episode.Reset();
        _hyStart.Reset(HyStartEnabled);
        _epochStarted = false;
        _epochStart = 0;
        _wMax = 0;
        _k = 0;
        _wEst = 0;
        _cwndPrior = 0;
        _carryBytes = 0;
    }

    /// <summary>The sender MSS the windows are counted in.</summary>
    public int Mss => _mss;

    /// <summary>IW of RFC 6928.</summary>
    public int InitialWindow { get; private set; }

    /// <inheritdoc/>
    public int Cwnd { get; private set; }

    /// <inheritdoc/>
    public int Ssthresh { get; private set; }

    /// <inheritdoc/>
    public bool InRecovery => _episode.InRecovery;

    /// <inheritdoc/>
    public bool InLossRecovery => _episode.InLoss;

    /// <summary>Whether cwnd is below ssthresh.</summary>
    public bool InSlowStart => Cwnd < Ssthresh;

    /// <summary>Where HyStart++ is in the first slow start.</summary>
    public HyStartPhase HyStartPhase => _hyStart.Phase;

    /// <summary>HyStart++'s cssBaselineMinRtt in microseconds (long.MaxValue outside CSS).</summary>
    public long HyStartCssBaselineMinRtt => _hyStart.CssBaselineMinRtt;

    /// <summary>W_max in segments: the window just before the last reduction (after fast convergence), 0 before any.</summary>
    public double WMax => _wMax;

    /// <summary>K in seconds: the time the current epoch takes to grow back to W_max (RFC 9438 section 4.2).</summary>
    public double K => _k;

    /// <summary>W_est in segments: the Reno-friendly estimate of the current epoch (RFC 9438 section 4.3).</summary>
    public double WEst => _wEst;

    /// <summary>Whether a congestion-avoidance epoch is running (its clock started at its first ACK).</summary>
    public bool EpochStarted => _epochStarted;

    /// <summary>Consecutive duplicate ACKs.</summary>
    public int DuplicateAcks => _episode.DuplicateAcks;

    /// <summary>Partial ACKs seen in the current recovery.</summary>
    public int PartialAcks => _episode.PartialAcks;

    /// <summary>K = cbrt((W_max - cwnd_epoch) / C) (RFC 9438 eq. 2), in seconds; 0 when the epoch starts at or above W_max.</summary>
    public static double ComputeK(double wMaxSegments, double cwndEpochSegments) =>
        wMaxSegments <= cwndEpochSegments ? 0 : Math.Cbrt((wMaxSegments - cwndEpochSegments) / C);

    /// <summary>W_cubic(t) = C (t - K)^3 + W_max (RFC 9438 eq. 1), in segments, for t seconds into the epoch.</summary>
    public static double WCubic(double tSeconds, double kSeconds, double wMaxSegments)
    {
        double d = tSeconds - kSeconds;
        return C * d * d * d + wMaxSegments;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// In slow start cwnd grows by every byte <paramref name="bytesAcked"/> reports (Linux's tcp_slow_start: by the
    /// segments the ACK newly covers, up to ssthresh, the rest counted in congestion avoidance). RFC 5681's limit of one
    /// SMSS per ACK, or RFC 3465's L, is the connection's to apply before the call (<see cref="TcpConfig.SlowStartGrowthLimit"/>).
    /// </remarks>
    public AckResult OnAck(SeqNumber ack, int bytesAcked, int flightSizeBefore, SeqNumber highestSent,
        long nowMicroseconds = 0, long rttSampleMicroseconds = 0, long smoothedRttMicroseconds = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesAcked);
        switch (_episode.OnAck(ack))
        {
            case RecoveryAckKind.FullAck:
                // With PRR the episode ends at ssthresh (RFC 9937 section 4, as Linux); without, RFC 6582's option (1).
                Cwnd = _episode.RateReduction
                    ? Math.Max(Ssthresh, _mss)
                    : FastRecoveryState.WindowAfterFullAck(Ssthresh, flightSizeBefore, bytesAcked, _mss);
                return AckResult.None;
            case RecoveryAckKind.PartialAck:
                Cwnd = FastRecoveryState.WindowAfterPartialAck(Cwnd, bytesAcked, _mss);
                return AckResult.RetransmitFirstUnacked;
        }
        if (bytesAcked == 0)
        {
            return AckResult.None;
        }

        if (Cwnd < Ssthresh)
        {
            // Slow start, its exit by HyStart++.
            int growth = _hyStart.OnAck(ack, highestSent, rttSampleMicroseconds, bytesAcked, out bool enterAvoidance);
            int room = Ssthresh - Cwnd;
            if (growth < room || enterAvoidance)
            {
                Cwnd = FastRecoveryState.Grow(Cwnd, Math.Min(growth, room));
                if (enterAvoidance)
                {
                    Ssthresh = Cwnd;
                }
                return AckResult.None;
            }
            // This ACK takes cwnd to ssthresh: what it covered beyond that counts in congestion avoidance.
            Cwnd = Ssthresh;
            bytesAcked -= Math.Min(room, bytesAcked);
            if (bytesAcked == 0)
            {
                return AckResult.None;
            }
        }

        GrowInAvoidance(bytesAcked, nowMicroseconds, smoothedRttMicroseconds > 0 ? smoothedRttMicroseconds : rttSampleMicroseconds);
        return AckResult.None;
    }

    /// <summary>RFC 9438 sections 4.2 to 4.5: one ACK of congestion avoidance.</summary>
    private void GrowInAvoidance(int bytesAcked, long now, long rtt)
    {
        double cwnd = (double)Cwnd / _mss;
        if (!_epochStarted)
        {
            // The epoch's clock starts at its first ACK in congestion avoidance. Without a loss behind it (first
            // exit from slow start, or after a timeout, section 4.8) W_max is the window now and K = 0.
            _epochStarted = true;
            _epochStart = now;
            if (_wMax < cwnd)
            {
                _wMax = cwnd;
            }
            _k = ComputeK(_wMax, cwnd);
            _wEst = cwnd;
            _carryBytes = 0;
        }

        double t = (now - _epochStart) / 1e6;
        double segmentsAcked = (double)bytesAcked / _mss;

        // Section 4.3: W_est grows like Reno with alpha_cubic, and with alpha 1 once it has passed cwnd_prior.
        double alpha = _wEst >= _cwndPrior ? 1.0 : RenoFriendlyAlpha;
        _wEst += alpha * segmentsAcked / cwnd;

        double cubicNow = WCubic(t, _k, _wMax);
        double next;
        if (cubicNow < _wEst)
        {
            // Reno-friendly region: CUBIC would be slower than Reno here, so follow W_est.
            next = Math.Max(_wEst, cwnd);
        }
        else
        {
            // Sections 4.4 and 4.5: aim at W_cubic one RTT ahead, clamped to [cwnd, 1.5 cwnd], and cover
            // (target - cwnd) / cwnd of the distance per segment acknowledged.
            double target = WCubic(t + rtt / 1e6, _k, _wMax);
            target = Math.Clamp(target, cwnd, 1.5 * cwnd);
            next = cwnd + (target - cwnd) / cwnd * segmentsAcked;
        }

        // Whole bytes go to cwnd; the fraction carries to the next ACK so slow growth is not rounded away.
        double grow = (next - cwnd) * _mss + _carryBytes;
        int whole = grow >= int.MaxValue ? int.MaxValue : (int)grow;
        _carryBytes = grow - whole;
        if (whole > 0)
        {
            Cwnd = FastRecoveryState.Grow(Cwnd, whole);
        }
    }

    /// <inheritdoc/>
    public DupAckResult OnDuplicateAck(SeqNumber sndUna, int flightSize, SeqNumber highestSent)
    {
        switch (_episode.OnDuplicateAck(sndUna))
        {
            case DuplicateAckKind.Inflate:
                // RFC 5681 section 3.2 step 5: each further duplicate means a segment left the network.
                Cwnd = FastRecoveryState.Grow(Cwnd, _mss);
                return DupAckResult.None;
            case DuplicateAckKind.StartEpisode:
                OnCongestionEvent(flightSize, fromWindow: false);
                _episode.EnterRecovery(highestSent);
                // RFC 5681 section 3.2 step 3 (RFC 9438 section 4.6 leaves recovery to the standard): inflate by
                // the three segments that left the network.
                Cwnd = Ssthresh + FastRecoveryState.DupAckThreshold * _mss;
                return DupAckResult.FastRetransmit;
            default:
                return DupAckResult.None;
        }
    }

    /// <summary>
    /// RFC 9438 section 4.8: ssthresh as on any loss, cwnd one segment, and the next epoch starts with K = 0. As Linux's
    /// tcp_enter_loss, ssthresh comes from cwnd and is cut only once per episode: a timeout during fast recovery keeps
    /// the recovery's ssthresh, and a repeated timeout with no ACK of new data since the last keeps the first one's (RFC
    /// 5681 section 3.1 holds it constant too), where a second cut from a window of one segment would leave it at its floor.
    /// </summary>
    public void OnRetransmitTimeout(int flightSize, SeqNumber highestSent)
    {
        if (!_episode.InRecovery && !(_episode.InLoss && !_episode.ProgressSinceTimeout))
        {
            OnCongestionEvent(flightSize, fromWindow: true);
        }
        else
        {
            _epochStarted = false;
            _hyStart.Stop();
        }
        Cwnd = _mss;
        // "W_max is set to the congestion window size at the beginning of the current congestion avoidance
        // stage" and K = 0: forget the loss's W_max, so the next epoch takes cwnd as W_max.
        _wMax = 0;
        _cwndPrior = 0;
        _episode.OnTimeout(highestSent);
    }

    /// <summary>
    /// RFC 5681 section 4.1: after an idle period longer than the RTO restart from min(IW, cwnd). The epoch
    /// restarts as well, so the idle time is not counted as time spent growing (RFC 9438 section 5.8).
    /// </summary>
    public void OnIdleRestart()
    {
        Cwnd = Math.Min(Cwnd, InitialWindow);
        _epochStarted = false;
    }

    /// <summary>
    /// RFC 9438 sections 4.6 and 4.7: multiplicative decrease and fast convergence. With <paramref name="fromWindow"/>
    /// ssthresh is beta times cwnd in whole segments (Linux's cubictcp_recalc_ssthresh, beta = 717/1024), which RFC
    /// 9438 4.6 allows where cwnd cannot grow while the sender is application-limited (the connection's cwnd-limited
    /// test); otherwise beta times the flight size, the RFC's own formula.
    /// </summary>
    private void OnCongestionEvent(int flightSize, bool fromWindow)
    {
        double cwnd = (double)Cwnd / _mss;
        // Fast convergence: a flow that lost below its last W_max is probably yielding to a new flow, so it
        // releases more bandwidth by aiming lower.
        _wMax = cwnd < _wMax ? cwnd * (1 + Beta) / 2 : cwnd;
        _cwndPrior = cwnd;
        Ssthresh = fromWindow
            ? Math.Max((int)((long)Cwnd * LinuxBetaNumerator / LinuxBetaDenominator / _mss) * _mss, 2 * _mss)
            : Math.Max((int)(flightSize * Beta), 2 * _mss);
        _epochStarted = false;
        _hyStart.Stop();
    }

    /// <inheritdoc/>
    public void OnLossDetected(int flightSize, SeqNumber highestSent)
    {
        OnCongestionEvent(flightSize, fromWindow: true);
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
        // The epoch restarts from the restored window, as Linux's cubic undo keeps the window it is given back.
        _epochStarted = false;
    }
}
