using System.Diagnostics;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>Output: data under the send and congestion windows, Nagle and silly window avoidance, the window we advertise, and segment building.</summary>
public sealed partial class TcpConnection
{
    /// <summary>When new data last went out (Linux's lsndtime); 0 before the first.</summary>
    private long _lastDataSentMicroseconds;

    private SeqNumber DataEnd => _snd.Una + (_send.Count + (_snd.Una == _snd.Iss ? 1 : 0));

    private void RequestFlush()
    {
        if (!_flushQueued && !_finished)
        {
            _flushQueued = true;
            _host.RequestFlush(this);
        }
    }

    /// <summary>Called by the engine at the end of a batch: sends what the windows allow, then any ACK still owed.</summary>
    internal void FlushOutput()
    {
        _flushQueued = false;
        if (_finished)
        {
            return;
        }
        if (IsSynchronized)
        {
            SendData();
            if (_probeRearm)
            {
                _probeRearm = false;
                ScheduleLossProbe();
            }
        }
        if (_ackNow && State != TcpState.SynSent && !_finished)
        {
            SendControl(_snd.Nxt, TcpFlags.Ack);
        }
        Debug.Assert(_snd.IsOrdered, "SND.UNA <= SND.NXT <= SND.MAX");
        UpdateTimer();
    }

    /// <summary>
    /// Called by the engine at the end of its turn (after the application's work of the turn has run): sends the quick
    /// ACK of the connection's first data, unless a segment sent since carried it.
    /// </summary>
    internal void SendAckAwaitingReply()
    {
        if (!_ackAwaitsReply || _finished)
        {
            return;
        }
        _ackAwaitsReply = false;
        if (IsSynchronized)
        {
            SendControl(_snd.Nxt, TcpFlags.Ack);
            UpdateTimer();
        }
    }

    private void SendData()
    {
        if (_sack && _sent.LostUnsentBytes > 0)
        {
            RetransmitLostSegments();
        }
        RestartWindowAfterIdle();
        _chunkSegmentsLeft = 0;
        while (TrySendNewSegment(ignoreCongestionWindow: false))
        {
        }
        if (_sack && !_rescueSent && _congestion.InRecovery)
        {
            SendRescueRetransmission();
        }
    }

    /// <summary>
    /// RFC 5681 4.1 (Linux's tcp_slow_start_after_idle): new data about to leave a connection with nothing in flight
    /// that sent none for longer than an RTO restarts from min(IW, cwnd), since the window it earned no longer says
    /// what the path takes.
    /// </summary>
    private void RestartWindowAfterIdle()
    {
        if (!_config.SlowStartAfterIdle || _lastDataSentMicroseconds == 0 || _snd.Max != _snd.Una)
        {
            return;
        }
        int dataOffset = _snd.Nxt - _snd.Una - (_snd.Una == _snd.Iss ? 1 : 0);
        if (_send.Count - dataOffset > 0 && _host.NowMicroseconds - _lastDataSentMicroseconds > _rto.CurrentRto)
        {
            _congestion.OnIdleRestart();
        }
    }

    /// <summary>
    /// Sends the next segment at SND.NXT if the windows, silly window avoidance and Nagle allow (a tail loss probe
    /// ignores the congestion window and Nagle); returns whether one went out and another may follow.
    /// </summary>
    private bool TrySendNewSegment(bool ignoreCongestionWindow)
    {
        int payloadMax = PayloadPerSegment;
        int inFlight = _snd.Nxt - _snd.Una;
        int dataOffset = _snd.Nxt - _snd.Una - (_snd.Una == _snd.Iss ? 1 : 0);
        bool finInFlight = _finRequested && _snd.Nxt > _finSeq;
        int unsent = finInFlight ? 0 : _send.Count - dataOffset;
        int usable = _snd.Wnd - inFlight;
        if (!ignoreCongestionWindow)
        {
            // With SACK the congestion window limits RFC 6675's pipe, which leaves out what is SACKed or lost; without,
            // the flight less limited transmit's allowance.
            usable = (int)Math.Min(usable, _congestion.Cwnd - CongestionWindowUsed(inFlight));
        }
        if (unsent > 0)
        {
            int length = Math.Min(payloadMax, unsent);
            if (usable < length)
            {
                // Sender-side silly window avoidance (RFC 9293 3.8.6.2.1): a partial segment only if it is at
                // least half the largest window the peer has offered.
                if (usable <= 0 || usable < Math.Min(payloadMax, _snd.MaxWnd / 2))
                {
                    if (!ignoreCongestionWindow)
                    {
                        ArmPersistIfStalled(inFlight);
                    }
                    return false;
                }
                length = usable;
            }
            if (!ignoreCongestionWindow && length < payloadMax && inFlight > 0 && !NoDelay && !(_finRequested && length == unsent))
            {
                // Nagle (RFC 896, RFC 9293 3.7.4): hold a small segment while data is unacknowledged.
                return false;
            }
            bool fin = _finRequested && length == unsent;
            // PSH as Linux 6.x places it (RFC 9293 3.9.1 leaves placement to the sender). Linux hands its device chunks
            // (TSO packets) and forces PSH on every chunk of two or more segments, so that the receiver's GRO flushes
            // at each; a one-segment chunk (what a nearly full cwnd lets out, or a retransmission) carries PSH only if
            // it ends the data written, as the last buffer of a write does. We send the segments of a chunk one by one
            // and put PSH on the last of each chunk, which is what the device makes of Linux's TSO packet.
            int unsentAfter = unsent - length;
            bool chunkEnds = false;
            if (!ignoreCongestionWindow)
            {
                if (_chunkSegmentsLeft <= 0)
                {
                    _chunkSegmentsLeft = SegmentsInNextChunk(payloadMax, inFlight, unsent);
                    _chunkSegments = _chunkSegmentsLeft;
                }
                chunkEnds = --_chunkSegmentsLeft == 0 && _chunkSegments >= 2;
            }
            bool push = unsentAfter <= 0 || chunkEnds;
            TcpFlags flags = TcpFlags.Ack | (push ? TcpFlags.Psh : 0) | (fin ? TcpFlags.Fin : 0);
            bool isNew = _snd.Nxt == _snd.Max;
            SendSegment(_snd.Nxt, flags, dataOffset, length);
            SeqNumber end = _snd.Nxt + length + (fin ? 1 : 0);
            if (isNew && _rcv.Nxt - _rcv.Irs > 1)
            {
                // Data goes back in answer to data: an interactive exchange, where the ACK rides on the reply, so
                // quick ACKs would only add packets (Linux's pingpong mode).
                _interactive = true;
            }
            if (isNew)
            {
                _lastDataSentMicroseconds = _host.NowMicroseconds;
            }
            if (isNew && !_rttTiming && !_timestamps)
            {
                _rttTiming = true;
                _rttSeq = _snd.Nxt;
                _rttStart = _host.NowMicroseconds;
            }
            else if (!isNew)
            {
                _statistics.Retransmissions++;
            }
            // A passive opener's first flight was queued by Linux before it had a pacing rate, as one buffer whose
            // parts are resent without the PSH its chunks carried on the wire.
            RecordSent(_snd.Nxt, end, push && (!_passive || _pacingRateKnown));
            _snd.Nxt = end;
            if (_snd.Nxt > _snd.Max)
            {
                _snd.Max = _snd.Nxt;
            }
            ArmRetransmit();
            return true;
        }
        if (_finRequested && _snd.Nxt == _finSeq)
        {
            bool isNew = _snd.Nxt == _snd.Max;
            if (!isNew)
            {
                _statistics.Retransmissions++;
            }
            SendControl(_snd.Nxt, TcpFlags.Fin | TcpFlags.Ack);
            RecordSent(_snd.Nxt, _snd.Nxt + 1);
            _snd.Nxt += 1;
            if (_snd.Nxt > _snd.Max)
            {
                _snd.Max = _snd.Nxt;
            }
            ArmRetransmit();
        }
        return false;
    }

    /// <summary>
    /// Segments in the chunk that starts at SND.NXT, as Linux's tcp_write_xmit cuts them: its cwnd quota (tcp_cwnd_test:
    /// half the congestion window, so that at least two chunks are in flight, and never more than the window left)
    /// capped by the chunk size its pacing rate calls for (<see cref="AutosizeSegments"/>), and then by the data and
    /// the peer's window (tcp_mss_split_point). A partial last segment that Nagle would hold is left out; one that
    /// carries the FIN is not held.
    /// </summary>
    private int SegmentsInNextChunk(int mss, int inFlight, int unsent)
    {
        int cwndSegments = Math.Max(_congestion.Cwnd / mss, 1);
        int usedSegments = (int)((CongestionWindowUsed(inFlight) + mss - 1) / mss);
        int quota = Math.Max(Math.Min(Math.Max(cwndSegments / 2, 1), cwndSegments - usedSegments), 1);
        long bytes = (long)Math.Min(quota, AutosizeSegments(mss, cwndSegments)) * mss;
        bytes = Math.Min(bytes, Math.Min(unsent, _snd.Wnd - inFlight));
        if (bytes > mss && bytes % mss != 0 && !NoDelay && !(_finRequested && bytes == unsent))
        {
            bytes -= bytes % mss;
        }
        return Math.Max((int)((bytes + mss - 1) / mss), 1);
    }

    /// <summary>
    /// The segments of a full chunk, as Linux's tcp_tso_autosize sizes it: about a millisecond at the pacing rate
    /// (tcp_update_pacing_rate: MSS * max(cwnd, packets out) / SRTT, times 2 in slow start below half of ssthresh and
    /// 1.2 after), plus 64 KB shifted right by one for each 512 µs of minimum RTT, at most 64 KB, and at least
    /// <see cref="TcpConfig.MinSegmentsPerChunk"/> (tcp_min_tso_segs).
    /// </summary>
    private int AutosizeSegments(int mss, int cwndSegments)
    {
        const long MaxChunkBytes = 65536;
        long srtt = _rto.SmoothedRtt;
        long bytes;
        if (srtt <= 0)
        {
            // Before the first RTT sample Linux's pacing rate has no divisor: as large as a chunk can be.
            bytes = MaxChunkBytes;
        }
        else
        {
            long ratio = _congestion.Cwnd < _congestion.Ssthresh / 2 ? 200 : 120;
            int packetsOut = Math.Max((_snd.Max - _snd.Una) / mss, 0);
            long rate = (long)mss * Math.Max(cwndSegments, packetsOut) * ratio * 10_000 / srtt;
            bytes = rate >> 10;
            long minRtt = _sack && _rack.MinRtt != long.MaxValue ? _rack.MinRtt : srtt;
            long shift = minRtt >> 9;
            if (shift < 63)
            {
                bytes += MaxChunkBytes >> (int)shift;
            }
            bytes = Math.Min(bytes, MaxChunkBytes);
        }
        return Math.Max((int)(bytes / mss), _config.MinSegmentsPerChunk);
    }

    /// <summary>
    /// On a SACK connection, notes [start, end) in the segment log (resent below SND.MAX, new beyond it), in PRR's
    /// count, and for the loss probe (<paramref name="push"/>: it carried PSH, which its retransmission repeats). Call
    /// before SND.MAX moves.
    /// </summary>
    private void RecordSent(SeqNumber start, SeqNumber end, bool push = false)
    {
        if (!_sack)
        {
            return;
        }
        long now = _host.NowMicroseconds;
        if (start < _snd.Max)
        {
            _sent.OnRetransmitted(start, SeqNumber.Min(end, _snd.Max), now);
        }
        if (end > _snd.Max)
        {
            _sent.OnSent(SeqNumber.Max(start, _snd.Max), end, now, push);
            _probeRearm = true;
        }
        CountRecoverySend(end - start);
    }

    private void MaybeSendWindowUpdate()
    {
        // Tell the peer about reopened space once it is worth a segment or half the buffer (receiver SWS avoidance),
        // and only while the window it still has is short enough to hold it back: at most half of what we could offer
        // now, and at most half of the 64 KiB an unscaled window (every SYN's) can announce (Linux's tcp_cleanup_rbuf
        // rule, whose offer grows from the initial window). A peer with more room keeps sending, and the ACK of its
        // next data carries the new edge anyway, so a bare update then is one packet and one write for nothing: a
        // request read from a 1 MiB buffer after a SYN-ACK that announced 65,535 bytes otherwise cost one per connection.
        // An ACK waiting for the reply (SendAckAwaitingReply) will carry the new window, on the reply or alone.
        int space = ReceiveSpace;
        int newEdgeGain = (_rcv.Nxt + space) - _rcv.AdvertisedEdge;
        if (newEdgeGain >= Math.Min(_receive.Capacity / 2, 2 * _advertisedMss)
            && 2L * ReceiveWindow <= Math.Min(space, ushort.MaxValue)
            && !(_ackAwaitsReply && ReceiveWindow >= _advertisedMss))
        {
            if (ReceiveWindow < _advertisedMss)
            {
                // The peer is (nearly) stopped by our closed window. If this update is lost it learns of the space
                // only from its persist timer, which backs off towards two minutes; so repeat the update until data
                // arrives (a window update is an ACK carrying no data: a peer can never mistake it for a duplicate).
                _windowUpdateRetries = 0;
                _windowUpdateDeadline = _host.NowMicroseconds + _rto.CurrentRto;
            }
            _ackNow = true;
            RequestFlush();
        }
    }

    /// <summary>RCV.WND: what the peer may send beyond RCV.NXT, up to the highest right edge we have announced.</summary>
    private int ReceiveWindow => _rcv.Window;

    /// <summary>The window to advertise now: the edge we accept up to never moves back (RFC 9293 3.8.6.2.2), and it grows in useful steps.</summary>
    private ushort ComputeWindowField()
    {
        int free = ReceiveSpace;
        SeqNumber edge = _rcv.Nxt + free;
        if (edge < _rcv.AdvertisedEdge)
        {
            edge = _rcv.AdvertisedEdge;
        }
        else if (edge - _rcv.AdvertisedEdge < Math.Min(_receive.Capacity / 2, _advertisedMss) && _rcv.AdvertisedEdge > _rcv.Nxt)
        {
            edge = _rcv.AdvertisedEdge;
        }
        int window = edge - _rcv.Nxt;
        int field = Math.Min(window >> _rcv.Shift, ushort.MaxValue);
        // The scaled field counts units of 2^shift bytes from RCV.NXT, which moves by arbitrary amounts, so rounding
        // down can announce an edge up to 2^shift - 1 bytes short of one announced before (RFC 7323 appendix F). The
        // peer may already have sent up to that earlier edge, and an edge pulled back behind its SND.NXT made us drop
        // its bytes and, worse, every ACK it sent (SEG.SEQ = its SND.NXT beyond our window), deaf to acknowledgments of
        // our own data until its backed-off retransmission timer fired. So the announcement may fall short, but the
        // edge we accept segments up to never moves back. Rounding up instead (Linux's choice) would promise bytes
        // beyond the buffer, and more with every ACK while the application does not read, which we could only drop.
        // Every edge announced lies within the buffer (RCV.NXT plus free space never decreases), so all can be honoured.
        _rcv.AdvertisedEdge = SeqNumber.Max(_rcv.AdvertisedEdge, _rcv.Nxt + (field << _rcv.Shift));
        return (ushort)field;
    }

    private void SendSyn()
    {
        TcpOptions options = default;
        options.HasMss = true;
        options.Mss = (ushort)Math.Min(_advertisedMss, ushort.MaxValue);
        bool synAck = State == TcpState.SynReceived;
        if (_config.WindowScaling && (!synAck || _windowScaling))
        {
            options.HasWindowScale = true;
            options.WindowScale = (byte)_rcv.Shift;
        }
        if (_config.SackPermitted && (!synAck || _sack))
        {
            options.SackPermitted = true;
        }
        if (_config.Timestamps && (!synAck || _timestamps))
        {
            options.HasTimestamps = true;
            options.TsVal = TimestampNow;
            options.TsEcr = synAck ? _tsRecent : 0;
        }
        // The window field of a SYN is never scaled (RFC 7323 2.2).
        ushort window = (ushort)Math.Min(ReceiveSpace, ushort.MaxValue);
        TcpFlags flags = (synAck ? TcpFlags.Syn | TcpFlags.Ack : TcpFlags.Syn) | EcnSynFlags(synAck);
        Emit(_snd.Iss, synAck ? _rcv.Nxt.Value : 0, flags, window, options, 0, 0);
        if (synAck)
        {
            _rcv.AdvertisedEdge = _rcv.Nxt + window;
            _rcv.LastAckSent = _rcv.Nxt;
        }
        if (_retransmitDeadline == 0)
        {
            _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
        }
        if (!_timestamps && _retries == 0)
        {
            _rttTiming = true;
            _rttSeq = _snd.Iss;
            _rttStart = _host.NowMicroseconds;
        }
        UpdateTimer();
    }

    private void SendControl(SeqNumber seq, TcpFlags flags) => SendSegment(seq, flags, 0, 0);

    private void SendSegment(SeqNumber seq, TcpFlags flags, int dataOffset, int length)
    {
        TcpOptions options = default;
        if (_timestamps)
        {
            options.HasTimestamps = true;
            options.TsVal = TimestampNow;
            options.TsEcr = _tsRecent;
        }
        if (_sack && (_receive.HasOutOfOrder || _dsackPending) && (flags & TcpFlags.Rst) == 0)
        {
            Span<(int Start, int End)> blocks = stackalloc (int, int)[TcpOptions.MaxSackBlocks];
            int count = _receive.GetSackBlocks(blocks);
            int first = 0;
            if (_dsackPending && length == 0)
            {
                // RFC 2883 4: the duplicate comes first, then the usual blocks, one fewer of them.
                _dsackPending = false;
                options.Sack[0] = new SackBlock(_dsackStart.Value, _dsackEnd.Value);
                first = 1;
                count = Math.Min(count, TcpOptions.MaxSackBlocks - 1);
            }
            for (int i = 0; i < count; i++)
            {
                options.Sack[first + i] = new SackBlock((_rcv.Nxt + blocks[i].Start).Value, (_rcv.Nxt + blocks[i].End).Value);
            }
            options.SackCount = first + count;
            // Options come out of the segment's payload allowance (RFC 6691): a full-sized data segment has room for
            // timestamps only, so SACK blocks that would push it past the peer's MSS (and our MTU) are left to pure
            // ACKs. Sending them anyway overran the transmit buffer in a two-way transfer with losses.
            while (options.SackCount > 0 && options.WireLength + length > _sendMss)
            {
                options.SackCount--;
            }
        }
        ushort window = (flags & TcpFlags.Rst) != 0 ? (ushort)0 : ComputeWindowField();
        byte ecn = EcnCodepoint.NotEct;
        if (_ecn && (flags & TcpFlags.Rst) == 0)
        {
            // RFC 3168 6.1.5: ECT(0) on new data only, never on retransmissions or pure ACKs.
            bool newData = length > 0 && seq >= _snd.Max;
            flags |= EcnFlags(newData);
            ecn = newData ? EcnCodepoint.Ect0 : EcnCodepoint.NotEct;
        }
        Emit(seq, (flags & TcpFlags.Ack) != 0 ? _rcv.Nxt.Value : 0, flags, window, options, dataOffset, length, ecn);
        if ((flags & TcpFlags.Ack) != 0)
        {
            _rcv.LastAckSent = _rcv.Nxt;
            _ackNow = false;
            _ackAwaitsReply = false;
            _ackDelayed = false;
            _segmentsSinceAck = 0;
            _delayedAckDeadline = 0;
        }
    }

    private void Emit(SeqNumber seq, uint ack, TcpFlags flags, ushort window, in TcpOptions options, int dataOffset, int length,
        byte ecn = EcnCodepoint.NotEct)
    {
        Span<byte> packet = _host.TransmitBuffer;
        Span<byte> tcp = packet[IpHeaderRoom..];
        if (length > 0)
        {
            _send.CopyTo(dataOffset, tcp.Slice(TcpSegmentWriter.HeaderLength(options), length));
        }
        FlowKey key = Key;
        int tcpLength = TcpSegmentWriter.WriteAroundPayload(tcp, key.LocalAddress, key.LocalPort, key.RemoteAddress, key.RemotePort,
            seq.Value, ack, flags, window, options, length);
        IPv4Header.Write(packet, key.LocalAddress, key.RemoteAddress, IpProtocol.Tcp, tcpLength, (ushort)seq.Value,
            IPv4Header.DefaultTimeToLive, (byte)(_trafficClass | ecn), PathMtuDiscovery);
        _statistics.SegmentsOut++;
        _host.TransmitPacket(IpHeaderRoom + tcpLength);
    }

    private void SendResetForAck(SeqNumber ack)
    {
        SendControlRaw(ack, 0, TcpFlags.Rst);
        _statistics.ResetsSent++;
    }

    private void SendControlRaw(SeqNumber seq, uint ack, TcpFlags flags)
    {
        TcpOptions none = default;
        Emit(seq, ack, flags, 0, none, 0, 0);
    }

    /// <summary>RFC 5961 challenge ACK, limited per connection per second.</summary>
    private void SendChallengeAck()
    {
        long now = _host.NowMicroseconds;
        if (now - _challengeWindowStart >= 1_000_000)
        {
            _challengeWindowStart = now;
            _challengeAcksInWindow = 0;
        }
        if (_challengeAcksInWindow >= _config.ChallengeAcksPerSecond)
        {
            // Not a drop: the segment that asked for the ACK was processed (and counted, where dropped, on its own).
            _statistics.ChallengeAckRateLimited++;
            return;
        }
        _challengeAcksInWindow++;
        _statistics.ChallengeAcksSent++;
        SendControl(_snd.Nxt, TcpFlags.Ack);
    }
}
