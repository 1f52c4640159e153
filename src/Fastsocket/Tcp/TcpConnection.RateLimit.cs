using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// Per-connection limit on ACKs sent in answer to invalid segments (Linux's tcp_invalid_ratelimit, per socket, never
/// stack-wide: a shared budget is observable by an off-path attacker, CVE-2016-5696).
/// </summary>
public sealed partial class TcpConnection
{
    /// <summary>When this connection last answered an invalid segment with an ACK; long.MinValue: not yet.</summary>
    private long _lastInvalidAckMicroseconds = long.MinValue;

    /// <summary>Forgets the previous use's limit (the object is pooled).</summary>
    private void ResetInvalidAckLimit() => _lastInvalidAckMicroseconds = long.MinValue;

    /// <summary>
    /// Answers a segment that failed the window or PAWS test with an ACK (RFC 9293 3.10.7.4, RFC 7323 5.3), unless it
    /// carries no data and this connection sent such an ACK within <see cref="TcpConfig.InvalidAckIntervalMicroseconds"/>:
    /// empty segments are how two confused ends (or a blind attacker) drive an ACK loop, while a segment with data is
    /// a retransmission whose duplicate ACK the sender needs (Linux's tcp_oow_rate_limited makes the same split).
    /// </summary>
    private void AckInvalidSegment(in IncomingSegment seg)
    {
        bool empty = seg.Payload.Length == 0 && !seg.Has(TcpFlags.Fin);
        if (empty || seg.Has(TcpFlags.Syn))
        {
            long now = _host.NowMicroseconds;
            long last = _lastInvalidAckMicroseconds;
            if (last != long.MinValue && now - last < _config.InvalidAckIntervalMicroseconds)
            {
                _statistics.OutOfWindowAckRateLimited++;
                return;
            }
            _lastInvalidAckMicroseconds = now;
        }
        _ackNow = true;
        RequestFlush();
    }
}
