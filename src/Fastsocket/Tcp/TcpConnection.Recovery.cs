using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// Loss recovery and the congestion window's bookkeeping. Without SACK: limited transmit (RFC 3042), fast retransmit on
/// three duplicate ACKs and NewReno's partial ACKs (RFC 5681/6582).
/// With SACK, as Linux: RACK-TLP (RFC 8985) finds losses by time, RFC 6675's pipe and NextSeg repair them under
/// Proportional Rate Reduction (RFC 9937), and DSACK (RFC 2883) or timestamps (RFC 3522) undo a spurious reduction.
/// </summary>
public sealed partial class TcpConnection
{
    /// <summary>Where the sender stands with loss and congestion, in Linux's terms (tcp_info's tcpi_ca_state).</summary>
    public TcpCongestionState CongestionState
    {
        get
        {
            if (_congestion.InRecovery)
            {
                return TcpCongestionState.Recovery;
            }
            if (_congestion.InLossRecovery)
            {
                return TcpCongestionState.Loss;
            }
            bool disorder = _sack ? _sent.SackedBytes > 0 || _sent.LostBytes > 0 || _sent.RetransmittedBytes > 0
                : _renoDuplicateAcks > 0;
            return disorder ? TcpCongestionState.Disorder : TcpCongestionState.Open;
        }
    }

    /// <summary>The congestion window in segments of the current payload size (tcp_info's tcpi_snd_cwnd).</summary>
    public int CongestionWindowSegments => _congestion.Cwnd / Math.Max(PayloadPerSegment, 1);

    /// <summary>
    /// The slow start threshold in segments (tcp_info's tcpi_snd_ssthresh); <see cref="int.MaxValue"/> until a loss
    /// sets one, as Linux reports its TCP_INFINITE_SSTHRESH.
    /// </summary>
    public int SlowStartThresholdSegments =>
        _congestion.Ssthresh >= int.MaxValue / 2 ? int.MaxValue : _congestion.Ssthresh / Math.Max(PayloadPerSegment, 1);

    /// <summary>Segments sent and not yet cumulatively acknowledged (tcp_info's tcpi_unacked, Linux's packets_out).</summary>
    public int SegmentsInFlight => _sack ? CountSegments(SegmentMark.Any) : SegmentsIn(_snd.Max - _snd.Una);

    /// <summary>Segments the peer has SACKed above SND.UNA (tcp_info's tcpi_sacked); without SACK, the duplicate ACKs counted.</summary>
    public int SackedSegmentCount => _sack ? CountSegments(SegmentMark.Sacked) : _renoDuplicateAcks;

    /// <summary>Segments deemed lost and not yet acknowledged, their retransmission in flight or not (tcp_info's tcpi_lost).</summary>
    public int LostSegmentCount => _sack ? CountSegments(SegmentMark.Lost) : 0;

    /// <summary>Retransmitted segments still in flight (tcp_info's tcpi_retrans, Linux's retrans_out).</summary>
    public int RetransmittedSegmentCount => _sack ? CountSegments(SegmentMark.Retransmitted) : 0;

    /// <summary>
    /// How far, in segments, the path has been seen to reorder (tcp_info's tcpi_reordering): Linux's default of 3
    /// (RFC 5681's duplicate ACK threshold) until a segment arrives farther out of order than that.
    /// </summary>
    public int ReorderingDegree
    {
        get
        {
            int degree = SegmentsIn(_rack.ReorderingDistance);
            return Math.Clamp(degree, FastRecoveryState.DupAckThreshold, MaxReorderingDegree);
        }
    }

    /// <summary>Consecutive retransmission timeouts of the current segment (tcp_info's tcpi_retransmits).</summary>
    public int ConsecutiveTimeouts => _retries;

    /// <summary>Linux's net.ipv4.tcp_max_reordering: the reordering degree reported is at most this.</summary>
    private const int MaxReorderingDegree = 300;

    private int SegmentsIn(long bytes)
    {
        int mss = Math.Max(PayloadPerSegment, 1);
        return bytes <= 0 ? 0 : (int)Math.Min((bytes + mss - 1) / mss, int.MaxValue);
    }

    private enum SegmentMark
    {
        Any,
        Sacked,
        Lost,
        Retransmitted,
    }

    /// <summary>Counts the segments of the log with a mark, each record as the MSS-sized packets it was sent in (Linux's pcount).</summary>
    private int CountSegments(SegmentMark mark)
    {
        int count = 0;
        for (int i = 0; i < _sent.Count; i++)
        {
            ref SentSegment s = ref _sent[i];
            bool match = mark switch
            {
                SegmentMark.Sacked => s.Sacked,
                SegmentMark.Lost => s.Lost,
                SegmentMark.Retransmitted => s.Retransmitted,
                _ => true,
            };
            if (match)
            {
                count += Math.Max(SegmentsIn(s.Length), 1);
            }
        }
        return count;
    }

    // Linux's tcp_is_cwnd_limited, judged per window of data: whether the sender filled cwnd at some point since
    // SND.UNA passed _cwndUsageEnd, and the largest flight of that window.
    private bool _cwndUsageTracked;
    private SeqNumber _cwndUsageEnd;
    private int _maxFlightInWindow;
    private bool _cwndLimitedInWindow;

    // Without SACK: duplicate ACKs since the last ACK of new data. Each says a segment left the network (Linux counts
    // them as SACKed, its "reno SACKs"): the first two let new data out (limited transmit, RFC 3042), and the ACK that
    // finally covers those segments does not count them for cwnd growth again.
    private int _renoDuplicateAcks;

    // With SACK: the SACKed bytes the scoreboard held after the last ACK, so that an ACK of new data counts for
    // growth only what it newly delivered (Linux's acked_sacked): not what earlier SACKs already reported, but what
    // its own SACK blocks add.
    private long _sackedBytesSeen;

    // Whether Linux would have a pacing rate, which sizes the buffers it queues a write in (and so which PSH a
    // retransmission repeats): a passive opener's is set by the first ACK after the handshake's (Linux measures the
    // SYN-ACK's RTT only after that ACK's congestion step has run, so its pacing rate stays unlimited until the next
    // ACK with data in flight). packetdrill's sack-shift-sacked-* and prr-ss-* scripts resend parts of such a first
    // flight without PSH; sack-route-refresh-ip-tos.pkt resends a later flight's buffer with it.
    private bool _pacingRateKnown;

    /// <summary>Forgets the per-connection congestion bookkeeping kept here (a new or reused connection).</summary>
    private void ResetCongestionTracking()
    {
        _pacingRateKnown = false;
        _cwndUsageTracked = false;
        _cwndUsageEnd = default;
        _maxFlightInWindow = 0;
        _cwndLimitedInWindow = false;
        _renoDuplicateAcks = 0;
        _sackedBytesSeen = 0;
    }

    /// <summary>A duplicate ACK on a connection without SACK: RFC 5681/6582 count them to the third.</summary>
    private void OnDuplicateAck()
    {
        DupAckResult result = _congestion.OnDuplicateAck(_snd.Una, _snd.Max - _snd.Una, _snd.Max);
        _renoDuplicateAcks++;
        if (result == DupAckResult.FastRetransmit)
        {
            _statistics.FastRetransmits++;
            _rttTiming = false;
            RetransmitFirstSegment();
            _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
        }
        else if (!_congestion.InRecovery && _renoDuplicateAcks <= LimitedTransmitSegments)
        {
            // RFC 3042: the first two duplicates may each send a new segment.
            RequestFlush();
        }
    }

    /// <summary>RFC 3042: limited transmit sends on each of the first two duplicate ACKs.</summary>
    private const int LimitedTransmitSegments = 2;

    /// <summary>
    /// What the congestion window is measured against: RFC 6675's pipe with SACK (Linux's packets_in_flight, which
    /// leaves out what is SACKed or deemed lost); without SACK the flight, less a segment for each of the first two
    /// duplicate ACKs before recovery (RFC 3042's limited transmit: FlightSize may reach cwnd + 2 SMSS).
    /// </summary>
    private long CongestionWindowUsed(int inFlight)
    {
        if (_sack)
        {
            return _sent.Pipe(_snd.Una, _snd.Max);
        }
        if (_renoDuplicateAcks > 0 && !_congestion.InRecovery)
        {
            return inFlight - (long)Math.Min(_renoDuplicateAcks, LimitedTransmitSegments) * PayloadPerSegment;
        }
        return inFlight;
    }

    /// <summary>
    /// The bytes of an ACK of new data that count for cwnd growth. None when the sender did not use its window (as
    /// Linux's tcp_is_cwnd_limited: cwnd was filled at some point of the current window of data, or in slow start
    /// cwnd is under twice the largest flight of that window), so an application-limited sender keeps the window it
    /// has shown it needs (RFC 7661's spirit). Without SACK, segments that duplicate ACKs already reported delivered
    /// are not counted again (Linux: max(acked - reno SACKs, 1)). In slow start at most <see cref="TcpConfig.SlowStartGrowthLimit"/>
    /// segments count (RFC 3465's L; unlimited by default, as Linux). In recovery everything counts: the controller's
    /// window arithmetic needs it.
    /// </summary>
    private int CountAckedForGrowth(SeqNumber unaBefore, int dataAcked, int flightBefore)
    {
        int mss = PayloadPerSegment;
        int cwnd = _congestion.Cwnd;
        // The flight just before an ACK is what the last transmission left, so tracking it here sees what Linux's
        // tcp_cwnd_validate sees after each send: a window ends when SND.UNA passes the SND.MAX at its start.
        bool limitedNow = flightBefore + mss > cwnd;
        if (!_cwndUsageTracked || unaBefore >= _cwndUsageEnd || limitedNow ||
            (!_cwndLimitedInWindow && flightBefore > _maxFlightInWindow))
        {
            _cwndUsageTracked = true;
            _cwndLimitedInWindow = limitedNow;
            _maxFlightInWindow = flightBefore;
            _cwndUsageEnd = _snd.Max;
        }
        int duplicates = _renoDuplicateAcks;
        _renoDuplicateAcks = 0;
        if (dataAcked <= 0)
        {
            return 0;
        }
        if (_congestion.InRecovery)
        {
            return dataAcked;
        }
        bool slowStart = cwnd < _congestion.Ssthresh;
        if (!_cwndLimitedInWindow && !(slowStart && cwnd < 2 * _maxFlightInWindow))
        {
            return 0;
        }
        int counted = dataAcked;
        if (_sack)
        {
            counted = (int)Math.Clamp(dataAcked + _sent.SackedBytes - _sackedBytesSeen, 0, int.MaxValue);
        }
        else if (duplicates > 0)
        {
            counted = Math.Max(counted - duplicates * mss, Math.Min(counted, mss));
        }
        int limit = _config.SlowStartGrowthLimit;
        if (slowStart && limit > 0)
        {
            counted = (int)Math.Min(counted, (long)limit * mss);
        }
        return counted;
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

    // ---- SACK connections: RACK-TLP (RFC 8985), RFC 6675 recovery with PRR (RFC 9937), DSACK undo (RFC 2883/3522) ----

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
        int newlyLost = 0;
        if (_sent.HasMarks || _reorderDeadline != 0)
        {
            newlyLost = DetectLossesByRack(now, onAck: true);
        }
        if (_congestion.InRecovery)
        {
            if (!wasInRecovery && deliveredBytes <= 0)
            {
                // Recovery began on an ACK that delivered nothing (the reordering window ran out before the timer):
                // let the first retransmission out as the reorder timer would.
                deliveredBytes = PayloadPerSegment;
            }
            // RFC 9937's SafeACK: SND.UNA advanced and no further loss showed, so recovery is going well and PRR may
            // slow-start back towards ssthresh (PRR-SSRB) rather than only send what was delivered (PRR-CRB).
            UpdateProportionalRateReduction(deliveredBytes, safeAck: advanced && newlyLost == 0);
        }
        _sackedBytesSeen = _sent.SackedBytes;
    }

    /// <summary>
    /// RFC 8985 6.2 step 5: marks lost each segment sent before the newest delivery and unacknowledged a reordering
    /// window after it; arms the reorder timer for the rest. A loss starts recovery; when the reorder timer found it
    /// (<paramref name="onAck"/> false) no ACK brings a delivery to PRR, so the first retransmission is let out as if
    /// one segment had been delivered (Linux's tcp_rack_reo_timeout). Returns how many segments it marked.
    /// </summary>
    private int DetectLossesByRack(long now, bool onAck = false)
    {
        _reorderDeadline = 0;
        if (!_rack.HasDelivery)
        {
            return 0;
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
            return 0;
        }
        _statistics.RackLossDetections += marked;
        if (!_congestion.InRecovery && !_congestion.InLossRecovery)
        {
            // After a timeout (Linux's Loss state) a lost retransmission is only resent, under the window the timeout
            // left: the episode has had its reduction, and a second one from a window of one segment would leave ssthresh
            // at its floor.
            EnterSackRecovery();
            if (!onAck)
            {
                UpdateProportionalRateReduction(PayloadPerSegment, safeAck: false);
            }
        }
        RequestFlush();
        return marked;
    }

    /// <summary>
    /// A loss starts recovery (RFC 6675 5 with RFC 9937): ssthresh is cut once and PRR starts counting. RecoverFS is
    /// cwnd before the cut, as Linux's prior_cwnd, so the proportional part brings the flight down to ssthresh over
    /// one window of deliveries.
    /// </summary>
    private void EnterSackRecovery()
    {
        _statistics.FastRetransmits++;
        _rack.OnRecovery();
        ArmUndo();
        int flight = _snd.Max - _snd.Una;
        _recoverFlightSize = Math.Max(_congestion.Cwnd, 1);
        _congestion.OnLossDetected(flight, _snd.Max);
        _prrDelivered = 0;
        _prrOut = 0;
        _rescueSent = false;
        _probeDeadline = 0;
        _rttTiming = false;
    }

    /// <summary>
    /// Proportional Rate Reduction (RFC 9937, as Linux's tcp_cwnd_reduction), for an ACK that delivered
    /// <paramref name="deliveredBytes"/> (cumulatively or by SACK; an ACK that delivers nothing changes nothing).
    /// While pipe exceeds ssthresh, send in proportion to what is delivered (ssthresh / RecoverFS of it); below, send
    /// what was delivered (PRR-CRB), one segment more on a <paramref name="safeAck"/> (PRR-SSRB), never past ssthresh.
    /// The first retransmission always goes out. The result becomes cwnd = pipe + sndcnt. Counts are rounded to whole
    /// segments, as Linux counts packets: the proportional share of one delivered segment is one segment, not 0.7 of one.
    /// </summary>
    private void UpdateProportionalRateReduction(long deliveredBytes, bool safeAck)
    {
        if (deliveredBytes <= 0)
        {
            return;
        }
        int mss = PayloadPerSegment;
        _prrDelivered += deliveredBytes;
        long pipe = _sent.Pipe(_snd.Una, _snd.Max);
        long ssthresh = _congestion.Ssthresh;
        long sendCount;
        if (pipe > ssthresh)
        {
            long share = (_prrDelivered * ssthresh + _recoverFlightSize - 1) / _recoverFlightSize;
            share = (share + mss - 1) / mss * mss;
            sendCount = share - _prrOut;
        }
        else
        {
            sendCount = Math.Max(_prrDelivered - _prrOut, deliveredBytes);
            if (safeAck)
            {
                sendCount += mss;
            }
            sendCount = Math.Min(ssthresh - pipe, sendCount);
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
            // PSH where the original had it (Linux resends a buffer with its flags), and on the last byte queued.
            bool push = length > 0 && (cursor + length == dataEnd || _sent.PushesAt(cursor + length));
            TcpFlags flags = TcpFlags.Ack | (fin ? TcpFlags.Fin : 0) | (push ? TcpFlags.Psh : 0);
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
        _sackedBytesSeen = _sent.SackedBytes;
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
    /// ACK when one segment is in flight, and never later than the retransmission timer as Linux computes it (SRTT plus
    /// the larger of 4 RTTVAR and the minimum RTO, from the oldest segment in flight), whose place the probe then takes.
    /// </summary>
    /// <remarks>
    /// The cap is Linux's RTO rather than RFC 6298's <c>max(SRTT + 4 RTTVAR, min RTO)</c>: when queueing inflates the
    /// RTT (a saturated receiver whose input queue holds every request for tens of milliseconds), the RFC's RTO sits
    /// barely above SRTT, so every exchange slower than usual drew a probe that the peer then reported as a duplicate
    /// (DSACK); Linux, whose RTO is never less than SRTT + 200 ms, sends almost none of these.
    /// </remarks>
    private void ScheduleLossProbe()
    {
        _probeDeadline = 0;
        if (!_sack || _probeOutstanding || _persisting || _congestion.InRecovery || _sent.LostBytes > 0 ||
            _snd.Max == _snd.Una || !IsSynchronized || _retries > 0 || _sent.Count == 0)
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
        // As Linux: the probe goes out no later than the retransmission timer would fire, in its place, so a lone lost
        // segment costs neither the window nor the backoff a timeout would. Linux's timer runs from the oldest segment
        // in flight and is SRTT + max(4 RTTVAR, min RTO); ours is the same by default and earlier under RFC 6298's formula
        // (TcpConfig.MinRtoBoundsVariance off), never later.
        long linuxRto = srtt + Math.Max(4 * _rto.RttVariance, _rto.MinRto);
        long timerDeadline = Math.Max(_retransmitDeadline, _sent[0].SentAt + linuxRto);
        if (timerDeadline > now)
        {
            // A timer already overdue caps nothing (as Linux, which caps only by an RTO still in the future).
            deadline = Math.Min(deadline, timerDeadline);
        }
        if (_retransmitDeadline != 0 && _retransmitDeadline < deadline)
        {
            // Linux keeps one timer for both: while the probe is armed the timeout cannot fire before it. After the
            // probe the timeout is armed afresh (OnLossProbeTimeout).
            _retransmitDeadline = deadline;
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
