using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// Loss recovery. Without SACK: fast retransmit on three duplicate ACKs and NewReno's partial ACKs (RFC 5681/6582).
/// With SACK, as Linux: RACK-TLP (RFC 8985) finds losses by time, RFC 6675's pipe and NextSeg repair them under
/// Proportional Rate Reduction (RFC 6937), and DSACK (RFC 2883) or timestamps (RFC 3522) undo a spurious reduction.
/// </summary>
public sealed partial class TcpConnection
{
    /// <summary>A duplicate ACK on a connection without SACK: RFC 5681/6582 count them to the third.</summary>
    private void OnDuplicateAck()
    {
        DupAckResult result = _congestion.OnDuplicateAck(_snd.Una, _snd.Max - _snd.Una, _snd.Max);
        if (result == DupAckResult.FastRetransmit)
        {
            _statistics.FastRetransmits++;
            _rttTiming = false;
            RetransmitFirstSegment();
            _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
        }
    }

    private void RetransmitFirstSegment()
    {
        if (State is TcpState.SynSent or TcpState.SynReceived)
        {
            SendSyn();
            return;
        }
        const int dataOffset = 0;
        int length = Math.Min(PayloadPerSegment, _send.Count);
        if (length > 0)
        {
            bool fin = _finRequested && length == _send.Count;
            SendSegment(_snd.Una, TcpFlags.Ack | (fin ? TcpFlags.Fin : 0), dataOffset, length);
            _statistics.Retransmissions++;
        }
        else if (_finRequested && _snd.Una == _finSeq)
        {
            SendControl(_snd.Una, TcpFlags.Fin | TcpFlags.Ack);
            _statistics.Retransmissions++;
        }
    }

    // ---- SACK connections: RACK-TLP (RFC 8985), RFC 6675 recovery with PRR (RFC 6937), DSACK undo (RFC 2883/3522) ----

    /// <summary>RFC 8985 7.2's WCDelAckT: the longest a peer may delay the ACK of a lone segment (Linux adds TCP_RTO_MIN, 200 ms).</summary>
    private const long WorstCaseDelayedAckMicroseconds = 200_000;

    /// <summary>
    /// After an ACK on a SACK connection: RACK judges what is lost by time, a loss starts recovery, and in recovery
    /// PRR sets how much may be sent for what this ACK delivered. A DSACK or an echoed timestamp older than the
    /// first retransmission shows an episode was spurious, and it is undone.
    /// </summary>
    private void OnAckForRecovery(in IncomingSegment seg, long deliveredBytes, bool dsack, bool advanced, bool wasInRecovery)
    {
        long now = _host.NowMicroseconds;
        if (advanced || deliveredBytes > 0)
        {
            // The peer answered: the tail loss probe, if one was out, has done its work.
            _probeOutstanding = false;
        }
        if (_undoArmed)
        {
            if (dsack && IsDsackOfRetransmission(seg.Options))
            {
                _statistics.DuplicateSacksReceived++;
                if (--_undoRetransmissions <= 0)
                {
                    UndoSpuriousReduction();
                }
            }
            else if (advanced && _timestamps && seg.Options.HasTimestamps && seg.Options.TsEcr != 0 &&
                     _undoRetransmissions > 0 && (int)(seg.Options.TsEcr - _undoTsVal) < 0)
            {
                // Eifel (RFC 3522): this ACK echoes a timestamp from before the first retransmission, so the
                // original segment arrived and the retransmission was not needed.
                UndoSpuriousReduction();
            }
        }
        else if (dsack)
        {
            _statistics.DuplicateSacksReceived++;
        }
        if (_undoArmed && wasInRecovery && !_congestion.InRecovery && _undoRetransmissions == 0)
        {
            // The episode ended without one retransmission needed: what RACK took for losses was reordering
            // (Linux's tcp_try_undo_recovery with undo_retrans at 0).
            UndoSpuriousReduction();
        }
        if (dsack)
        {
            _rack.OnDsack(_snd.Una, _snd.Max);
        }
        if (_sent.HasMarks || _reorderDeadline != 0)
        {
            DetectLossesByRack(now);
        }
        if (_congestion.InRecovery)
        {
            UpdateProportionalRateReduction(deliveredBytes);
        }
    }

    /// <summary>RFC 8985 6.2 step 5: marks lost each segment sent before the newest delivery and unacknowledged a reordering window after it; arms the reorder timer for the rest.</summary>
    private void DetectLossesByRack(long now)
    {
        _reorderDeadline = 0;
        if (!_rack.HasDelivery)
        {
            return;
        }
        long window = _rack.ReorderingWindow(_congestion.InRecovery, _sent.SackedSegments, _rto.SmoothedRtt);
        long wait = 0;
        int marked = 0;
        for (int i = 0; i < _sent.Count; i++)
        {
            ref SentSegment s = ref _sent[i];
            if (s.Sacked || (s.Lost && !s.Retransmitted))
            {
                continue;
            }
            if (!_rack.IsJudgeable(s, window, now, out long remaining))
            {
                continue;
            }
            if (remaining <= 0)
            {
                _sent.MarkLost(i);
                marked++;
            }
            else
            {
                wait = Math.Max(wait, remaining);
            }
        }
        if (wait > 0)
        {
            _reorderDeadline = now + wait;
        }
        if (marked == 0)
        {
            return;
        }
        _statistics.RackLossDetections += marked;
        if (!_congestion.InRecovery)
        {
            EnterSackRecovery();
        }
        RequestFlush();
    }

    /// <summary>A loss starts recovery (RFC 6675 5 with RFC 6937): ssthresh is cut once and PRR starts counting.</summary>
    private void EnterSackRecovery()
    {
        _statistics.FastRetransmits++;
        _rack.OnRecovery();
        ArmUndo();
        int flight = _snd.Max - _snd.Una;
        _congestion.OnLossDetected(flight, _snd.Max);
        _prrDelivered = 0;
        _prrOut = 0;
        _recoverFlightSize = Math.Max(flight, 1);
        _rescueSent = false;
        _probeDeadline = 0;
        _rttTiming = false;
        UpdateProportionalRateReduction(0);
    }

    /// <summary>
    /// RFC 6937: while pipe exceeds ssthresh, send in proportion to what is delivered (ssthresh / RecoverFS of it);
    /// below, slow-start back towards ssthresh, but no faster than one segment more than delivered (PRR-SSRB).
    /// The first retransmission always goes out. The result becomes cwnd = pipe + sndcnt.
    /// </summary>
    private void UpdateProportionalRateReduction(long deliveredBytes)
    {
        int mss = PayloadPerSegment;
        _prrDelivered += deliveredBytes;
        long pipe = _sent.Pipe(_snd.Una, _snd.Max);
        long ssthresh = _congestion.Ssthresh;
        long sendCount;
        if (pipe > ssthresh)
        {
            sendCount = (_prrDelivered * ssthresh + _recoverFlightSize - 1) / _recoverFlightSize - _prrOut;
        }
        else
        {
            sendCount = Math.Min(ssthresh - pipe, Math.Max(_prrDelivered - _prrOut, deliveredBytes) + mss);
        }
        if (_prrOut == 0 && sendCount < mss)
        {
            sendCount = mss;
        }
        sendCount = Math.Max(sendCount, 0);
        _congestion.SetRecoveryWindow((int)Math.Min(pipe + sendCount, int.MaxValue));
    }

    /// <summary>RFC 6675 NextSeg rule 1: resends segments deemed lost, oldest first, while the window has room for them.</summary>
    private void RetransmitLostSegments()
    {
        while (true)
        {
            int index = _sent.FirstLostUnsent();
            if (index < 0)
            {
                return;
            }
            long pipe = _sent.Pipe(_snd.Una, _snd.Max);
            if (pipe >= _congestion.Cwnd)
            {
                return;
            }
            ref SentSegment s = ref _sent[index];
            RetransmitRange(s.Start, s.End);
            if (index == 0)
            {
                // RFC 6298 5.3 as Linux applies it: resending the head restarts its timer.
                _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
            }
        }
    }

    /// <summary>
    /// RFC 6675 NextSeg rule 4: when nothing is deemed lost and no new data can go, but the window has room, resend
    /// once per recovery the highest segment not SACKed, so that a loss at the tail of the episode shows up without
    /// waiting for the retransmission timer.
    /// </summary>
    private void SendRescueRetransmission()
    {
        // RFC 6675 5 (C): only with a segment's room in the window; rule 4 only when rule 2 has no new data to send.
        if (_sent.LostUnsentBytes > 0 || _congestion.Cwnd - _sent.Pipe(_snd.Una, _snd.Max) < PayloadPerSegment ||
            DataEnd > _snd.Max)
        {
            return;
        }
        for (int i = _sent.Count - 1; i >= 0; i--)
        {
            ref SentSegment s = ref _sent[i];
            if (s.Sacked)
            {
                continue;
            }
            if (!s.Retransmitted)
            {
                _rescueSent = true;
                RetransmitRange(s.Start, s.End);
            }
            return;
        }
    }

    /// <summary>Sends [start, end) again, split into segments that fit, and records it as retransmitted.</summary>
    private void RetransmitRange(SeqNumber start, SeqNumber end)
    {
        SeqNumber dataStart = _snd.Una == _snd.Iss ? _snd.Una + 1 : _snd.Una;
        SeqNumber cursor = SeqNumber.Max(start, dataStart);
        SeqNumber dataEnd = _snd.Una + (_send.Count + (_snd.Una == _snd.Iss ? 1 : 0));
        bool finInRange = _finRequested && end > _finSeq;
        int payloadMax = PayloadPerSegment;
        do
        {
            int length = Math.Min(payloadMax, SeqNumber.Min(end, dataEnd) - cursor);
            length = Math.Max(length, 0);
            bool fin = finInRange && cursor + length == _finSeq;
            if (length == 0 && !fin)
            {
                break;
            }
            TcpFlags flags = TcpFlags.Ack | (fin ? TcpFlags.Fin : 0) | (length > 0 && cursor + length == dataEnd ? TcpFlags.Psh : 0);
            SendSegment(cursor, flags, cursor - dataStart, length);
            _statistics.Retransmissions++;
            CountRecoverySend(length + (fin ? 1 : 0));
            cursor += length + (fin ? 1 : 0);
        }
        while (cursor < end);
        _sent.OnRetransmitted(start, end, _host.NowMicroseconds);
        if (_undoArmed)
        {
            _undoRetransmissions++;
            if (_undoRetransmissions == 1)
            {
                _undoTsVal = TimestampNow;
                _undoLow = start;
                _undoHigh = end;
            }
            _undoLow = SeqNumber.Min(_undoLow, start);
            _undoHigh = SeqNumber.Max(_undoHigh, end);
        }
    }

    private void CountRecoverySend(int bytes)
    {
        if (_congestion.InRecovery)
        {
            _prrOut += bytes;
        }
    }

    /// <summary>A timeout on a SACK connection: every segment not SACKed is lost and resent from the window of one segment (Linux's tcp_timeout_mark_lost).</summary>
    private void MarkAllLostOnTimeout()
    {
        // A peer may renege on what it SACKed (RFC 2018 8); after a second timeout in a row, trust none of it.
        bool forgetSacks = _retries > 1;
        for (int i = 0; i < _sent.Count; i++)
        {
            ref SentSegment s = ref _sent[i];
            if (!s.Sacked || forgetSacks)
            {
                _sent.MarkLost(i);
            }
        }
        _reorderDeadline = 0;
        _probeDeadline = 0;
        _probeOutstanding = false;
    }

    /// <summary>Keeps what to restore if the reduction now starting proves spurious (RFC 3522, RFC 2883).</summary>
    private void ArmUndo()
    {
        if (_undoArmed && (_congestion.InRecovery || _retries > 1))
        {
            // A timeout within an episode, or a second one in a row: undo, if it comes, goes back to before the first.
            return;
        }
        _undoArmed = true;
        _undoCwnd = _congestion.Cwnd;
        _undoSsthresh = _congestion.Ssthresh;
        _undoRetransmissions = 0;
        _undoLow = _snd.Max;
        _undoHigh = _snd.Una;
    }

    private bool IsDsackOfRetransmission(in TcpOptions options)
    {
        var start = new SeqNumber(options.Sack[0].Left);
        var end = new SeqNumber(options.Sack[0].Right);
        return start >= _undoLow && end <= _undoHigh;
    }

    private void UndoSpuriousReduction()
    {
        _undoArmed = false;
        _undoRetransmissions = 0;
        _statistics.SpuriousRetransmitUndos++;
        _congestion.UndoReduction(Math.Max(_congestion.Cwnd, _undoCwnd), Math.Max(_congestion.Ssthresh, _undoSsthresh));
        _sent.ClearUnsentLostMarks();
        _rto.ResetBackoff();
        _rack.ReorderingSeen = true;
    }

    /// <summary>
    /// Arms the tail loss probe (RFC 8985 7.2): two SRTTs after the last transmission or ACK, plus the worst delayed
    /// ACK when one segment is in flight, and never later than the retransmission timer (which it then replaces).
    /// </summary>
    private void ScheduleLossProbe()
    {
        _probeDeadline = 0;
        if (!_sack || _probeOutstanding || _persisting || _congestion.InRecovery || _sent.LostBytes > 0 ||
            _snd.Max == _snd.Una || !IsSynchronized || _retries > 0)
        {
            return;
        }
        // SRTT from millisecond timestamps reads 0 on a sub-millisecond path; RACK's microsecond RTT stands in then.
        long srtt = _rto.SmoothedRtt > 0 ? _rto.SmoothedRtt : _rack.HasDelivery ? Math.Max(_rack.Rtt, 1) : 0;
        if (srtt <= 0)
        {
            return;
        }
        long now = _host.NowMicroseconds;
        long timeout = 2 * srtt;
        timeout += _sent.Count <= 1 ? WorstCaseDelayedAckMicroseconds : 2 * RtoEstimator.GranularityMicros;
        long deadline = now + timeout;
        if (_retransmitDeadline != 0 && deadline > _retransmitDeadline)
        {
            // As Linux: the probe goes out when the retransmission timer would have fired, in its place, so a lone
            // lost segment costs neither the window nor the backoff a timeout would.
            deadline = _retransmitDeadline;
        }
        _probeDeadline = deadline;
    }

    /// <summary>
    /// The probe timeout expired (RFC 8985 7.3): send one new segment if the peer's window allows, else resend the
    /// highest one sent, so that the ACK it draws shows any loss at the tail to RACK; then arm the retransmission timer.
    /// </summary>
    private void OnLossProbeTimeout()
    {
        if (!IsSynchronized || _snd.Max == _snd.Una || _congestion.InRecovery || _sent.Count == 0)
        {
            return;
        }
        _statistics.TailLossProbes++;
        _probeOutstanding = true;
        if (!TrySendNewSegment(ignoreCongestionWindow: true))
        {
            ref SentSegment last = ref _sent[_sent.Count - 1];
            RetransmitRange(last.Start, last.End);
        }
        _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
    }
}
