namespace Fastsocket.Tcp;

/// <summary>
/// Slow-start exit by RFC 9406 (HyStart++): per round of data it takes the minimum RTT of the first
/// <see cref="RttSamplesPerRound"/> ACKs; when that rises by a threshold over the previous round's, slow start
/// gives way to Conservative Slow Start (CSS, growth divided by <see cref="CssGrowthDivisor"/>); if the RTT
/// falls back below the baseline the exit was spurious and slow start resumes; after <see cref="CssRounds"/>
/// rounds of CSS the connection enters congestion avoidance. A mutable struct held in its controller's field.
/// </summary>
/// <remarks>
/// Linux's CUBIC uses the older HyStart (ACK-train length plus delay increase). We implement RFC 9406's
/// delay-only variant instead: it is the IETF's specified algorithm, its ACK-train half misfires when ACKs
/// are compressed or delayed (the user-space stack sees batched receives, where ACK spacing says little
/// about bottleneck bandwidth), and CSS bounds the cost of an early exit, which the older one cannot undo.
/// Only the first slow start of a connection uses it (RFC 9406 section 4.2): after any loss ssthresh is
/// meaningful and plain slow start takes over.
/// </remarks>
internal struct HyStartPlusPlus
{
    /// <summary>N_RTT_SAMPLE: RTT samples needed in a round before it is judged.</summary>
    public const int RttSamplesPerRound = 8;

    /// <summary>MIN_RTT_THRESH: the smallest delay increase that ends slow start (4 ms).</summary>
    public const long MinRttThresholdMicroseconds = 4_000;

    /// <summary>MAX_RTT_THRESH: the largest delay increase demanded (16 ms).</summary>
    public const long MaxRttThresholdMicroseconds = 16_000;

    /// <summary>MIN_RTT_DIVISOR: the threshold is the last round's minimum RTT over this, clamped to [4, 16] ms.</summary>
    public const int MinRttDivisor = 8;

    /// <summary>CSS_GROWTH_DIVISOR: CSS grows cwnd at a quarter of slow start's rate.</summary>
    public const int CssGrowthDivisor = 4;

    /// <summary>CSS_ROUNDS: rounds of CSS before congestion avoidance.</summary>
    public const int CssRounds = 5;

    private HyStartPhase _phase;
    private bool _roundStarted;
    private SeqNumber _windowEnd;
    private long _lastRoundMinRtt;
    private long _currentRoundMinRtt;
    private int _rttSampleCount;
    private long _cssBaselineMinRtt;
    private int _cssRoundsDone;

    /// <summary>Where the algorithm is.</summary>
    public readonly HyStartPhase Phase => _phase;

    /// <summary>The minimum RTT at which CSS began (long.MaxValue outside CSS).</summary>
    public readonly long CssBaselineMinRtt => _cssBaselineMinRtt;

    /// <summary>Starts a connection's first slow start; <paramref name="enabled"/> false means plain slow start.</summary>
    public void Reset(bool enabled)
    {
        this = default;
        _phase = enabled ? HyStartPhase.SlowStart : HyStartPhase.Off;
        _lastRoundMinRtt = long.MaxValue;
        _currentRoundMinRtt = long.MaxValue;
        _cssBaselineMinRtt = long.MaxValue;
    }

    /// <summary>A loss ended slow start; the rest of the connection uses plain slow start.</summary>
    public void Stop() => _phase = HyStartPhase.Off;

    /// <summary>
    /// An ACK in slow start acknowledging <paramref name="growth"/> bytes counted for growth (min(N, L*SMSS)).
    /// Returns the bytes cwnd grows by; <paramref name="enterAvoidance"/> says CSS has run its rounds and
    /// ssthresh is to be set to cwnd.
    /// </summary>
    /// <param name="ack">The new SND.UNA: a round ends once it reaches the SND.MAX recorded when the round began.</param>
    /// <param name="highestSent">SND.MAX now: the end of the next round.</param>
    /// <param name="rttSampleMicroseconds">This ACK's RTT sample, or 0 for none.</param>
    /// <param name="growth">What slow start would add.</param>
    /// <param name="enterAvoidance">Set when slow start (here, CSS) ends.</param>
    public int OnAck(SeqNumber ack, SeqNumber highestSent, long rttSampleMicroseconds, int growth, out bool enterAvoidance)
    {
        enterAvoidance = false;
        if (_phase == HyStartPhase.Off)
        {
            return growth;
        }
        if (!_roundStarted)
        {
            StartRound(highestSent);
        }
        if (rttSampleMicroseconds > 0)
        {
            _currentRoundMinRtt = Math.Min(_currentRoundMinRtt, rttSampleMicroseconds);
            _rttSampleCount++;
        }

        int result;
        bool judged = _rttSampleCount >= RttSamplesPerRound;
        if (_phase == HyStartPhase.SlowStart)
        {
            result = growth;
            if (judged && _lastRoundMinRtt != long.MaxValue)
            {
                long threshold = Math.Clamp(_lastRoundMinRtt / MinRttDivisor, MinRttThresholdMicroseconds, MaxRttThresholdMicroseconds);
                if (_currentRoundMinRtt >= _lastRoundMinRtt + threshold)
                {
                    // Section 4.3: the delay rose by the threshold; slow start ends in CSS.
                    _cssBaselineMinRtt = _currentRoundMinRtt;
                    _phase = HyStartPhase.ConservativeSlowStart;
                    _cssRoundsDone = 0;
                    result = growth / CssGrowthDivisor;
                }
            }
        }
        else if (judged && _currentRoundMinRtt < _cssBaselineMinRtt)
        {
            // The delay increase was spurious: resume slow start.
            _cssBaselineMinRtt = long.MaxValue;
            _phase = HyStartPhase.SlowStart;
            result = growth;
        }
        else
        {
            result = growth / CssGrowthDivisor;
        }

        // The round ends when the data outstanding at its start is acknowledged (windowEnd of section 4.3).
        if (ack >= _windowEnd)
        {
            if (_phase == HyStartPhase.ConservativeSlowStart && ++_cssRoundsDone >= CssRounds)
            {
                // CSS_ROUNDS rounds of CSS without the RTT falling back: congestion avoidance, ssthresh = cwnd.
                _phase = HyStartPhase.Off;
                enterAvoidance = true;
            }
            else
            {
                StartRound(highestSent);
            }
        }
        return result;
    }

    private void StartRound(SeqNumber highestSent)
    {
        _roundStarted = true;
        _windowEnd = highestSent;
        _lastRoundMinRtt = _currentRoundMinRtt;
        _currentRoundMinRtt = long.MaxValue;
        _rttSampleCount = 0;
    }
}
