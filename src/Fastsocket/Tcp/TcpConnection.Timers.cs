using System.Net.Sockets;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>Timers: retransmission (RFC 6298), persist, delayed ACK, keepalive, FIN-WAIT-2 and window-update repeats, all on one wheel entry.</summary>
public sealed partial class TcpConnection
{
    private void ArmRetransmit()
    {
        if (_retransmitDeadline == 0 || _persisting)
        {
            _persisting = false;
            _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
        }
    }

    /// <summary>
    /// With data waiting and nothing in flight, no ACK will come to restart output: a closed window needs the persist
    /// timer (RFC 9293 3.8.6.1), and a window too small for sender SWS avoidance needs its override timeout
    /// (RFC 9293 3.8.6.2.1). One timer serves both.
    /// </summary>
    private void ArmPersistIfStalled(int inFlight)
    {
        if (inFlight == 0 && _retransmitDeadline == 0)
        {
            _persisting = true;
            _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
        }
    }

    private void UpdateTimer()
    {
        if (_finished)
        {
            return;
        }
        if (_ackDelayed && _delayedAckDeadline == 0)
        {
            _delayedAckDeadline = _host.NowMicroseconds + _config.DelayedAckMicroseconds;
        }
        long deadline = long.MaxValue;
        if (_retransmitDeadline != 0)
        {
            deadline = _retransmitDeadline;
        }
        if (_ackDelayed && _delayedAckDeadline != 0)
        {
            deadline = Math.Min(deadline, _delayedAckDeadline);
        }
        if (_keepAliveDeadline != 0)
        {
            deadline = Math.Min(deadline, _keepAliveDeadline);
        }
        if (_finWait2Deadline != 0)
        {
            deadline = Math.Min(deadline, _finWait2Deadline);
        }
        if (_windowUpdateDeadline != 0)
        {
            deadline = Math.Min(deadline, _windowUpdateDeadline);
        }
        if (_reorderDeadline != 0)
        {
            deadline = Math.Min(deadline, _reorderDeadline);
        }
        if (_probeDeadline != 0)
        {
            deadline = Math.Min(deadline, _probeDeadline);
        }
        if (deadline == long.MaxValue)
        {
            _host.CancelTimer(this);
        }
        else
        {
            _host.ScheduleTimer(this, deadline);
        }
    }

    internal override void OnTimer(long nowMicroseconds)
    {
        if (_finished)
        {
            return;
        }
        if (_ackDelayed && _delayedAckDeadline != 0 && _delayedAckDeadline <= nowMicroseconds)
        {
            _delayedAckDeadline = 0;
            _ackNow = true;
            // An ACK had to wait for its timer: no reply came to carry it, so the exchange is not interactive now.
            _interactive = false;
            RequestFlush();
        }
        if (_reorderDeadline != 0 && _reorderDeadline <= nowMicroseconds)
        {
            // RACK's reorder timer (RFC 8985 6.3): the segments it waited for are judged again, now.
            DetectLossesByRack(nowMicroseconds);
            RequestFlush();
        }
        if (_probeDeadline != 0 && _probeDeadline <= nowMicroseconds)
        {
            _probeDeadline = 0;
            OnLossProbeTimeout();
        }
        if (_retransmitDeadline != 0 && _retransmitDeadline <= nowMicroseconds)
        {
            _retransmitDeadline = 0;
            if (_persisting)
            {
                OnPersistTimeout();
            }
            else
            {
                OnRetransmitTimeout();
            }
            if (_finished)
            {
                return;
            }
        }
        if (_windowUpdateDeadline != 0 && _windowUpdateDeadline <= nowMicroseconds)
        {
            _windowUpdateDeadline = 0;
            if (IsSynchronized && !_peerFinReceived && ReceiveWindow > 0)
            {
                SendControl(_snd.Nxt, TcpFlags.Ack);
                if (++_windowUpdateRetries < 6)
                {
                    _windowUpdateDeadline = nowMicroseconds + (_rto.CurrentRto << _windowUpdateRetries);
                }
            }
        }
        if (_finWait2Deadline != 0 && _finWait2Deadline <= nowMicroseconds)
        {
            _finWait2Deadline = 0;
            if (State == TcpState.FinWait2)
            {
                Finish(SocketError.TimedOut, notify: true);
                return;
            }
        }
        if (_keepAliveDeadline != 0 && _keepAliveDeadline <= nowMicroseconds)
        {
            OnKeepAliveTimeout(nowMicroseconds);
            if (_finished)
            {
                return;
            }
        }
        UpdateTimer();
    }

    private void OnRetransmitTimeout()
    {
        ITcpHost host = _host;
        bool handshake = State is TcpState.SynSent or TcpState.SynReceived;
        int limit = handshake ? _config.MaxSynRetransmissions : _config.MaxDataRetransmissions;
        if (_retries >= limit)
        {
            _statistics.ConnectionsTimedOut++;
            Finish(TimeoutError, notify: true);
            return;
        }
        _retries++;
        _statistics.RetransmitTimeouts++;
        _rto.Backoff();
        FastsocketEventSource.Log.ReportRetransmissionTimeout(host.StackName, host.CoreId, Key, State, _retries, _rto.CurrentRto);
        _rttTiming = false;
        if (handshake)
        {
            _statistics.Retransmissions++;
            SendSyn();
            return;
        }
        if (_sack)
        {
            // RFC 5681 3.1 and 6582 3.2 step 4: collapse to the loss window; resend what is not SACKed, oldest
            // first, as the window reopens (RFC 6675 5.1), where go-back-N would resend what the peer holds.
            ArmUndo();
            _congestion.OnRetransmitTimeout(_snd.Max - _snd.Una, _snd.Max);
            MarkAllLostOnTimeout();
            _retransmitDeadline = 0;
            SeqNumber logged = _sent.Count > 0 ? _sent[0].Start : _snd.Max;
            if (logged > _snd.Una)
            {
                // The head was sent outside the segment log (a zero-window probe byte): resend it as it is.
                RetransmitRange(_snd.Una, logged);
            }
            SendData();
            if (_retransmitDeadline == 0 && _snd.Max > _snd.Una)
            {
                _retransmitDeadline = host.NowMicroseconds + _rto.CurrentRto;
            }
            return;
        }
        // RFC 5681 3.1 and 6582 3.2 step 4: collapse to the loss window and resend from SND.UNA (go-back-N).
        _congestion.OnRetransmitTimeout(_snd.Max - _snd.Una, _snd.Max);
        _snd.Nxt = _snd.Una;
        _retransmitDeadline = 0;
        SendData();
        if (_retransmitDeadline == 0 && _snd.Max > _snd.Una)
        {
            _retransmitDeadline = host.NowMicroseconds + _rto.CurrentRto;
        }
    }

    /// <summary>
    /// Zero-window probe with backoff: Linux's empty segment at SND.UNA - 1, or one byte of new data beyond the closed
    /// window (RFC 9293 3.8.6.1) with <see cref="TcpConfig.ZeroWindowProbeSendsData"/>.
    /// </summary>
    private void OnPersistTimeout()
    {
        int dataOffset = _snd.Nxt - _snd.Una - (_snd.Una == _snd.Iss ? 1 : 0);
        int unsent = _send.Count - dataOffset;
        int room = _snd.Wnd - (_snd.Nxt - _snd.Una);
        if (_snd.Wnd > 0 && room > 0 && unsent > 0)
        {
            // SWS override timeout (RFC 9293 3.8.6.2.1): send what the small window takes rather than wait for ever.
            int length = Math.Min(Math.Min(room, unsent), PayloadPerSegment);
            SendSegment(_snd.Nxt, TcpFlags.Ack | (length == unsent ? TcpFlags.Psh : 0), dataOffset, length);
            _snd.Nxt += length;
            if (_snd.Nxt > _snd.Max)
            {
                _snd.Max = _snd.Nxt;
            }
            ArmRetransmit();
            return;
        }
        if (_snd.Wnd > 0 || unsent <= 0)
        {
            _persisting = false;
            RequestFlush();
            return;
        }
        if (_probesUnanswered >= _config.MaxDataRetransmissions)
        {
            // RFC 1122 4.2.2.17 keeps the connection open only while the receiver keeps acknowledging the probes;
            // a peer that went silent behind a zero window would otherwise hold it (and an orphan) for ever. Linux
            // gives up after tcp_retries2 unanswered probes the same way.
            _statistics.ConnectionsTimedOut++;
            Finish(SocketError.TimedOut, notify: true);
            return;
        }
        _probesUnanswered++;
        if (!_config.ZeroWindowProbeSendsData)
        {
            // Linux's probe: an old sequence number, which the peer answers with an ACK and its window.
            SendControl(_snd.Una - 1, TcpFlags.Ack);
        }
        else
        {
            SendSegment(_snd.Nxt, TcpFlags.Ack, dataOffset, 1);
            if (_snd.Nxt + 1 > _snd.Max)
            {
                // The probe byte counts as sent, so an ACK that takes it is acceptable; SND.NXT stays so that it is
                // sent again in order once the window opens.
                _snd.Max = _snd.Nxt + 1;
            }
        }
        _rto.Backoff();
        _persisting = true;
        _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
    }

    private void OnKeepAliveTimeout(long now)
    {
        if (!IsSynchronized || !_keepAliveEnabled)
        {
            _keepAliveDeadline = 0;
            return;
        }
        if (_keepAliveProbesSent >= _config.KeepAliveProbes)
        {
            _statistics.ConnectionsTimedOut++;
            Finish(TimeoutError, notify: true);
            return;
        }
        // An old sequence number makes the peer answer with an ACK (RFC 9293 3.8.4), proving it is alive.
        _keepAliveProbesSent++;
        SendControl(_snd.Una - 1, TcpFlags.Ack);
        _keepAliveDeadline = now + _config.KeepAliveIntervalMicroseconds;
    }

    private void ArmFinWait2Timeout()
    {
        _finWait2Deadline = _host.NowMicroseconds + _config.FinWait2TimeoutMicroseconds;
        UpdateTimer();
    }
}
