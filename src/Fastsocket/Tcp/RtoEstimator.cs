namespace Fastsocket.Tcp;

/// <summary>
/// Retransmission timeout per RFC 6298. All times are microseconds.
/// </summary>
/// <remarks>
/// Karn's algorithm (RFC 6298 section 3) is the caller's duty: never pass an RTT measured on a segment
/// that was retransmitted, since its ACK cannot be matched to one transmission. This type therefore has no
/// "sample from a retransmission" entry point. After a timeout the caller calls <see cref="Backoff"/> and
/// keeps the backed-off value until a valid sample arrives from new data (RFC 6298 section 5, note after 5.7),
/// which <see cref="AddSample"/> handles by recomputing the RTO from SRTT/RTTVAR.
///
/// A mutable struct, held in place by its connection (never copied there): an idle connection then costs no separate
/// object, header and reference for it (issue target: an idle connection at most 2 KB). <c>default</c> is not a valid
/// estimator; construct one.
/// </remarks>
public struct RtoEstimator
{
    /// <summary>RFC 6298 section 2.1: before any measurement the RTO is 1 second.</summary>
    public const long InitialRtoMicros = 1_000_000;

    /// <summary>Clock granularity G of RFC 6298 section 2: our timers resolve to 1 ms.</summary>
    public const long GranularityMicros = 1_000;

    /// <summary>
    /// RFC 6298 section 2.4 asks for a 1 s floor, but Linux uses 200 ms (TCP_RTO_MIN) and users judge us
    /// against Linux on the same links; a 1 s floor would make every loss on a LAN look five times worse.
    /// </summary>
    public const long DefaultMinRtoMicros = 200_000;

    /// <summary>RFC 6298 section 2.5 allows any ceiling of at least 60 s; Linux uses 120 s (TCP_RTO_MAX).</summary>
    public const long DefaultMaxRtoMicros = 120_000_000;

    /// <summary>RFC 6298 section 5.7: the RTO once data transmission begins after a SYN timed out with no RTT sample.</summary>
    public const long SynTimeoutFallbackRtoMicros = 3_000_000;

    private long _minRto;
    private long _maxRto;
    private long _srtt;
    private long _rttvar;
    private long _baseRto;
    private long _rto;
    private long _noSampleRto;

    /// <summary>An estimator with Linux's bounds, <see cref="DefaultMinRtoMicros"/> and <see cref="DefaultMaxRtoMicros"/>.</summary>
    public RtoEstimator()
        : this(DefaultMinRtoMicros, DefaultMaxRtoMicros)
    {
    }

    /// <summary>An estimator bounded by <paramref name="minRtoMicros"/> and <paramref name="maxRtoMicros"/>.</summary>
    public RtoEstimator(long minRtoMicros = DefaultMinRtoMicros, long maxRtoMicros = DefaultMaxRtoMicros)
    {
        Reset(minRtoMicros, maxRtoMicros);
    }

    /// <summary>
    /// Whether the minimum RTO bounds the variance term rather than the sum, as Linux computes it (tcp_set_rto: SRTT +
    /// max(4 * RTTVAR, tcp_rto_min), so 300 ms over a 100 ms path where RFC 6298 2.3 and 2.4 give 200 ms). Off, the
    /// RFC's formula; <see cref="TcpConfig.MinRtoBoundsVariance"/> sets it per connection.
    /// </summary>
    public bool MinRtoBoundsVariance { get; set; }

    /// <summary>Returns to the state of a new connection (no sample, initial RTO), so pooled connections reuse the object.</summary>
    public void Reset(long minRtoMicros, long maxRtoMicros)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(minRtoMicros, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRtoMicros, minRtoMicros);
        _minRto = minRtoMicros;
        _maxRto = maxRtoMicros;
        _srtt = 0;
        _rttvar = 0;
        _noSampleRto = InitialRtoMicros;
        HasSample = false;
        BackoffCount = 0;
        _baseRto = Clamp(InitialRtoMicros);
        _rto = _baseRto;
    }

    /// <summary>The lower bound of the RTO, in microseconds.</summary>
    public long MinRto
    {
        get => _minRto;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, _maxRto);
            _minRto = value;
            Recompute();
        }
    }

    /// <summary>The upper bound of the RTO, in microseconds.</summary>
    public long MaxRto
    {
        get => _maxRto;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, _minRto);
            _maxRto = value;
            Recompute();
        }
    }

    /// <summary>The timeout to arm now, including any backoff.</summary>
    public long CurrentRto => _rto;

    /// <summary>SRTT, in microseconds.</summary>
    public long SmoothedRtt => _srtt;

    /// <summary>RTTVAR, in microseconds.</summary>
    public long RttVariance => _rttvar;

    /// <summary>Whether an RTT sample has been taken.</summary>
    public bool HasSample { get; private set; }

    /// <summary>How many times <see cref="Backoff"/> ran since the last sample or reset.</summary>
    public int BackoffCount { get; private set; }

    /// <summary>Feeds one RTT measurement (RFC 6298 sections 2.2 and 2.3), which also ends any backoff.</summary>
    public void AddSample(long rttMicros)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rttMicros);
        if (!HasSample)
        {
            // 2.2: SRTT <- R, RTTVAR <- R/2.
            _srtt = rttMicros;
            _rttvar = rttMicros / 2;
            HasSample = true;
        }
        else
        {
            // 2.3: RTTVAR first (it uses the old SRTT), beta = 1/4, alpha = 1/8.
            long err = _srtt - rttMicros;
            if (err < 0)
            {
                err = -err;
            }
            // Scaled by the whole weight before dividing so microsecond values lose at most 1 us.
            _rttvar = (3 * _rttvar + err) / 4;
            _srtt = (7 * _srtt + rttMicros) / 8;
        }
        Recompute();
        ResetBackoff();
    }

    /// <summary>RFC 6298 section 5.5: after a retransmission timeout the timer doubles, up to the ceiling.</summary>
    public void Backoff()
    {
        _rto = _rto >= _maxRto / 2 ? _maxRto : _rto * 2;
        BackoffCount++;
    }

    /// <summary>
    /// RFC 6298 section 5.7: the timer expired awaiting the ACK of a SYN and no RTT sample exists, so the RTO
    /// becomes 3 seconds (not the 1 s initial value) when data transmission begins. A later sample replaces it.
    /// </summary>
    public void UseSynTimeoutFallback()
    {
        if (!HasSample)
        {
            _noSampleRto = Math.Max(_noSampleRto, SynTimeoutFallbackRtoMicros);
            _baseRto = Clamp(_noSampleRto);
        }
        ResetBackoff();
    }

    /// <summary>Drops any backoff and returns to the RTO computed from SRTT/RTTVAR.</summary>
    public void ResetBackoff()
    {
        _rto = _baseRto;
        BackoffCount = 0;
    }

    private void Recompute()
    {
        // 2.3: RTO <- SRTT + max(G, K*RTTVAR) with K = 4; 2.4/2.5: clamp to [MinRto, MaxRto]. Linux's variant puts
        // the floor under the variance term instead (its rttvar is never below tcp_rto_min).
        long variance = Math.Max(MinRtoBoundsVariance ? _minRto : GranularityMicros, 4 * _rttvar);
        long raw = HasSample ? _srtt + variance : _noSampleRto;
        bool backedOff = BackoffCount > 0;
        _baseRto = Clamp(raw);
        if (!backedOff)
        {
            _rto = _baseRto;
        }
        else
        {
            _rto = Math.Clamp(_rto, _minRto, _maxRto);
        }
    }

    private long Clamp(long rto) => Math.Clamp(rto, _minRto, _maxRto);
}
