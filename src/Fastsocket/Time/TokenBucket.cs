namespace Fastsocket.Time;

/// <summary>
/// A token bucket on explicit time: it fills at <see cref="RatePerSecond"/> tokens a second up to
/// <see cref="Burst"/>, and each <see cref="TryTake"/> spends one. It reads no clock (the caller passes the stack's
/// microseconds, so virtual time drives it in tests), allocates nothing and takes no lock: one owner, one core.
/// </summary>
/// <remarks>
/// Credit is kept in millionths of a token, so that a token earned over microseconds is counted exactly, and the
/// time gap is capped at what fills the bucket before it is multiplied, so a gap of years cannot overflow.
/// A <c>default</c> bucket has rate and burst zero and refuses everything.
/// </remarks>
public struct TokenBucket
{
    private const long UnitsPerToken = 1_000_000;

    private readonly long _ratePerSecond;
    private readonly long _capacityUnits;
    private long _units;
    private long _lastMicroseconds;

    /// <summary>A full bucket at <paramref name="nowMicroseconds"/>.</summary>
    /// <param name="ratePerSecond">Tokens added per second; 1 to 10^9.</param>
    /// <param name="burst">The most tokens held at once; 1 to 10^9.</param>
    /// <param name="nowMicroseconds">The owner's clock now.</param>
    public TokenBucket(long ratePerSecond, long burst, long nowMicroseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ratePerSecond, 1_000_000_000L);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(burst, 1_000_000_000L);
        _ratePerSecond = ratePerSecond;
        _capacityUnits = burst * UnitsPerToken;
        _units = _capacityUnits;
        _lastMicroseconds = nowMicroseconds;
    }

    /// <summary>Tokens added per second.</summary>
    public readonly long RatePerSecond => _ratePerSecond;

    /// <summary>The most tokens the bucket holds.</summary>
    public readonly long Burst => _capacityUnits / UnitsPerToken;

    /// <summary>Whole tokens available as of the last call (no refill is computed here).</summary>
    public readonly long Available => _units / UnitsPerToken;

    /// <summary>Refills for the time since the last call and spends one token; false when none is left.</summary>
    public bool TryTake(long nowMicroseconds)
    {
        Refill(nowMicroseconds);
        if (_units < UnitsPerToken)
        {
            return false;
        }
        _units -= UnitsPerToken;
        return true;
    }

    private void Refill(long nowMicroseconds)
    {
        // A clock that steps back (it should not) adds nothing and does not move the reference point back either,
        // so the same interval is never paid for twice.
        if (nowMicroseconds <= _lastMicroseconds)
        {
            return;
        }
        // now > last, so the difference is exact as an unsigned number even across the whole long range.
        ulong elapsed = unchecked((ulong)(nowMicroseconds - _lastMicroseconds));
        _lastMicroseconds = nowMicroseconds;
        if (_ratePerSecond == 0)
        {
            return;
        }
        // Past this gap the bucket is full whatever the gap was; capping first keeps elapsed * rate within 2^63.
        long fillTime = _capacityUnits / _ratePerSecond + 1;
        if (elapsed >= (ulong)fillTime)
        {
            _units = _capacityUnits;
            return;
        }
        _units = Math.Min(_capacityUnits, _units + (long)elapsed * _ratePerSecond);
    }
}
