using System.Diagnostics;
using System.Net.Sockets;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>Segment arrival (RFC 9293 3.10.7): the acceptability tests, RST and SYN checks, ACK processing, text and FIN.</summary>
public sealed partial class TcpConnection
{
    internal void OnSegment(ref IncomingSegment seg)
    {
        _statistics.SegmentsIn++;
        _lastReceiveTime = _host.NowMicroseconds;
        if (State == TcpState.SynSent)
        {
            OnSegmentInSynSent(ref seg);
        }
        else
        {
            OnSegmentSynchronized(ref seg);
        }
    }

    private void OnSegmentInSynSent(ref IncomingSegment seg)
    {
        bool hasAck = seg.Has(TcpFlags.Ack);
        if (hasAck && (seg.Ack <= _snd.Iss || seg.Ack > _snd.Max))
        {
            if (!seg.Has(TcpFlags.Rst))
            {
                SendResetForAck(seg.Ack);
            }
            _statistics.Drops.Add(DropReason.TcpBadAck);
            return;
        }
        if (seg.Has(TcpFlags.Rst))
        {
            if (hasAck)
            {
                _statistics.ConnectionsReset++;
                FastsocketEventSource.Log.ReportConnectionReset(_host.StackName, _host.CoreId, Key, State);
                Finish(SocketError.ConnectionRefused, notify: true);
            }
            return;
        }
        if (!seg.Has(TcpFlags.Syn))
        {
            return;
        }
        AcceptPeerSynOptions(seg);
        if (hasAck)
        {
            _snd.Una = seg.Ack;
            _snd.Wl1 = seg.Seq;
            _snd.Wl2 = seg.Ack;
            TakeRttSample(seg, seg.Ack);
            _retries = 0;
            _retransmitDeadline = 0;
            EnterEstablished();
            _ackNow = true;
            if (seg.Payload.Length > 0 || seg.Has(TcpFlags.Fin))
            {
                seg.Seq += 1;
                seg.Flags &= ~TcpFlags.Syn;
                ProcessText(ref seg);
            }
            RequestFlush();
            UpdateTimer();
            Handler?.OnConnected(this, SocketError.Success);
        }
        else
        {
            // Simultaneous open (RFC 9293 3.5, figure 7): answer with SYN-ACK from the same ISS.
            State = TcpState.SynReceived;
            SendSyn();
        }
    }

    private void OnSegmentSynchronized(ref IncomingSegment seg)
    {
        ITcpHost host = _host;

        // Simultaneous open (RFC 9293 3.5 figure 7, line 6): in SYN-RECEIVED reached from SYN-SENT, the peer's SYN-ACK
        // repeats the SYN we already acknowledged. Its sequence number lies just before RCV.NXT, so the acceptability
        // test would drop it and RFC 5961 4.2 would challenge the SYN; drop the SYN instead and let its ACK complete
        // the handshake (as Linux does in tcp_validate_incoming).
        if (State == TcpState.SynReceived && !_passive && seg.Has(TcpFlags.Syn) && seg.Has(TcpFlags.Ack) && seg.Seq == _rcv.Irs)
        {
            seg.Flags &= ~TcpFlags.Syn;
            seg.Seq += 1;
        }

        // A retransmitted SYN for a connection still in SYN-RECEIVED means our SYN-ACK was lost: send it again.
        if (State == TcpState.SynReceived && seg.Has(TcpFlags.Syn) && !seg.Has(TcpFlags.Ack) && seg.Seq == _rcv.Irs)
        {
            SendSyn();
            return;
        }

        // PAWS (RFC 7323 5.3): a timestamp older than TS.Recent marks an old duplicate.
        if (_timestamps && seg.Options.HasTimestamps && !seg.Has(TcpFlags.Rst) &&
            (int)(seg.Options.TsVal - _tsRecent) < 0)
        {
            _statistics.Drops.Add(DropReason.TcpPawsRejected);
            AckInvalidSegment(seg);
            return;
        }

        int window = ReceiveWindow;
        if (seg.Has(TcpFlags.Rst))
        {
            OnReset(seg, window);
            return;
        }

        if (!IsAcceptable(seg, window))
        {
            _statistics.Drops.Add(DropReason.TcpOutOfWindow);
            if (seg.Payload.Length > 0 && seg.Seq + seg.Payload.Length <= _rcv.Nxt)
            {
                // Data we hold already: the ACK reports it as a duplicate (RFC 2883), which tells the sender its
                // retransmission was spurious.
                NoteDuplicateData(seg.Seq, seg.Seq + seg.Payload.Length);
            }
            AckInvalidSegment(seg);
            return;
        }

        TrimToWindow(ref seg, window);

        if (seg.Has(TcpFlags.Syn))
        {
            if (State == TcpState.SynReceived && _passive)
            {
                // RFC 9293 3.10.7.4 fourth step: a passive SYN-RECEIVED connection returns to LISTEN (the SYN is
                // not a retransmission of the one we answered, which was handled above).
                Finish(SocketError.ConnectionReset, notify: false);
                return;
            }
            // RFC 5961 4.2: a SYN in a synchronized state, whatever its sequence number, gets a challenge ACK.
            SendChallengeAck();
            return;
        }

        if (!seg.Has(TcpFlags.Ack))
        {
            return;
        }

        OnEcnSignals(seg);
        if (!ProcessAck(ref seg))
        {
            return;
        }
        if (_finished)
        {
            return;
        }

        // RFC 7323 4.3: remember the timestamp of a segment that covers the last ACK we sent.
        if (_timestamps && seg.Options.HasTimestamps && seg.Seq <= _rcv.LastAckSent &&
            (int)(seg.Options.TsVal - _tsRecent) >= 0)
        {
            _tsRecent = seg.Options.TsVal;
        }

        bool readable = false;
        if (seg.Payload.Length > 0 || seg.Has(TcpFlags.Fin))
        {
            // Data flows again: the peer has seen our window.
            _windowUpdateDeadline = 0;
            readable = ProcessText(ref seg);
        }

        if (_keepAliveEnabled)
        {
            _keepAliveProbesSent = 0;
            _keepAliveDeadline = host.NowMicroseconds + _config.KeepAliveIdleMicroseconds;
        }
        RequestFlush();
        UpdateTimer();
        if (readable)
        {
            Handler?.OnReadable(this);
        }
    }

    /// <summary>Remembers a duplicate range for the next ACK's first SACK block (RFC 2883 4), on a SACK connection.</summary>
    private void NoteDuplicateData(SeqNumber start, SeqNumber end)
    {
        if (_sack)
        {
            _dsackPending = true;
            _dsackStart = start;
            _dsackEnd = end;
            _ackNow = true;
        }
    }

    /// <summary>
    /// RFC 5961 3.2: reset only on an exact RCV.NXT match; in-window RSTs get a challenge ACK; others are dropped. Linux
    /// (and the default profile) also takes RCV.NXT - 1 once the peer's FIN is in (<see cref="TcpConfig.AcceptResetBeforePeerFin"/>).
    /// </summary>
    private void OnReset(in IncomingSegment seg, int window)
    {
        if (seg.Seq == _rcv.Nxt || IsResetJustBeforePeerFin(seg.Seq))
        {
            _statistics.ConnectionsReset++;
            FastsocketEventSource.Log.ReportConnectionReset(_host.StackName, _host.CoreId, Key, State);
            if (State == TcpState.SynReceived && _passive)
            {
                // RFC 9293: a passive SYN-RECEIVED connection returns to LISTEN; the listener never saw it.
                Finish(SocketError.ConnectionReset, notify: false);
                return;
            }
            if (State == TcpState.SynReceived)
            {
                // RFC 9293: reached from SYN-SENT (simultaneous open), the connection was refused.
                Finish(SocketError.ConnectionRefused, notify: true);
                return;
            }
            Finish(State is TcpState.Closing or TcpState.LastAck ? SocketError.Success : SocketError.ConnectionReset, notify: true);
            return;
        }
        if (seg.Seq.IsInRange(_rcv.Nxt, _rcv.Nxt + Math.Max(window, 1)))
        {
            SendChallengeAck();
            return;
        }
        _statistics.Drops.Add(DropReason.TcpOutOfWindow);
    }

    private bool IsResetJustBeforePeerFin(SeqNumber seq) =>
        _config.AcceptResetBeforePeerFin && seq == _rcv.Nxt - 1 && State is TcpState.CloseWait or TcpState.LastAck or TcpState.Closing;

    /// <summary>The four-case acceptability test of RFC 9293 3.10.7.4.</summary>
    private bool IsAcceptable(in IncomingSegment seg, int window)
    {
        int length = seg.SequenceLength;
        if (length == 0)
        {
            // RFC 9293's table takes RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND, but asks for "special allowance" for valid
            // ACKs. A peer that filled our window to its right edge sends every ACK with SEG.SEQ = its SND.NXT = that
            // edge; while a lost segment keeps RCV.NXT below it, the strict test drops those ACKs, and with them the
            // acknowledgments of the data we send. Like Linux (tcp_sequence), take the right edge itself as well; with
            // a zero window that is exactly RCV.NXT, as the RFC asks.
            return seg.Seq.IsInRange(_rcv.Nxt, _rcv.Nxt + window + 1);
        }
        if (window == 0)
        {
            // RFC 9293: with a zero window no data is acceptable, but ACKs must still be processed; the text is
            // dropped in TrimToWindow. Linux does the same for the segment at RCV.NXT.
            return seg.Seq == _rcv.Nxt;
        }
        SeqNumber end = _rcv.Nxt + window;
        return seg.Seq.IsInRange(_rcv.Nxt, end) || (seg.Seq + (length - 1)).IsInRange(_rcv.Nxt, end);
    }

    /// <summary>Cuts off what lies before RCV.NXT (including an old SYN or FIN) and what lies beyond the window.</summary>
    private void TrimToWindow(ref IncomingSegment seg, int window)
    {
        int before = _rcv.Nxt - seg.Seq;
        if (before > 0)
        {
            if (seg.Has(TcpFlags.Syn))
            {
                seg.Flags &= ~TcpFlags.Syn;
                seg.Seq += 1;
                before--;
            }
            int cut = Math.Min(before, seg.Payload.Length);
            if (cut > 0)
            {
                NoteDuplicateData(seg.Seq, seg.Seq + cut);
            }
            seg.Payload = seg.Payload[cut..];
            seg.Seq += cut;
            before -= cut;
            if (before > 0 && seg.Has(TcpFlags.Fin))
            {
                seg.Flags &= ~TcpFlags.Fin;
            }
        }
        int room = (_rcv.Nxt + window) - seg.Seq;
        if (seg.Payload.Length > room)
        {
            seg.Payload = seg.Payload[..Math.Max(room, 0)];
            // The FIN came after bytes we cannot take, so it is not ours to accept yet.
            seg.Flags &= ~TcpFlags.Fin;
            _ackNow = true;
        }
    }

    /// <summary>The ACK field (RFC 9293 3.10.7.4 fifth step, with RFC 5961 5.2). Returns false when the segment is finished with.</summary>
    private bool ProcessAck(ref IncomingSegment seg)
    {
        ITcpHost host = _host;
        bool handshakeAck = State == TcpState.SynReceived;
        if (handshakeAck)
        {
            if (!(seg.Ack > _snd.Una && seg.Ack <= _snd.Max))
            {
                SendResetForAck(seg.Ack);
                _statistics.Drops.Add(DropReason.TcpBadAck);
                return false;
            }
            _snd.Wnd = seg.Window << _snd.Shift;
            _snd.MaxWnd = Math.Max(_snd.MaxWnd, _snd.Wnd);
            _snd.Wl1 = seg.Seq;
            _snd.Wl2 = seg.Ack;
            EnterEstablished();
            if (_passive)
            {
                host.OnPassiveEstablished(this);
            }
            else
            {
                Handler?.OnConnected(this, SocketError.Success);
            }
            if (_finRequested)
            {
                State = TcpState.FinWait1;
            }
        }

        if (seg.Ack > _snd.Max)
        {
            // RFC 9293: an ACK for something not yet sent is answered with an ACK and dropped.
            _statistics.Drops.Add(DropReason.TcpBadAck);
            _ackNow = true;
            RequestFlush();
            return false;
        }
        if (seg.Ack >= _snd.Una)
        {
            // Any ACK that is not old answers our zero-window probes (Linux clears icsk_probes_out the same way).
            _probesUnanswered = 0;
        }
        if (seg.Ack < _snd.Una - _snd.MaxWnd)
        {
            // RFC 5961 5.2: an ACK older than anything the peer could have seen is a blind attack or a stale duplicate.
            _statistics.Drops.Add(DropReason.TcpBadAck);
            SendChallengeAck();
            return false;
        }

        int scaledWindow = seg.Window << _snd.Shift;
        bool newlySacked = false;
        bool dsack = false;
        long sackedBefore = _sent.SackedBytes;
        SeqNumber unaBefore = _snd.Una;
        bool wasInRecovery = _congestion.InRecovery;
        _pacingRateKnown |= _snd.Max > _snd.Una && !handshakeAck;
        _rack.BeginAck();
        if (_sack && seg.Options.SackCount > 0)
        {
            newlySacked = _sent.ApplySack(seg.Options, SeqNumber.Max(_snd.Una, seg.Ack), ref _rack, host.NowMicroseconds, out dsack) > 0;
        }
        if (seg.Ack > _snd.Una)
        {
            OnNewAck(seg, seg.Ack);
        }
        else if (seg.Ack == _snd.Una && scaledWindow != 0 && _snd.Max > _snd.Una &&
                 ((seg.Payload.Length == 0 && !seg.Has(TcpFlags.Fin) && scaledWindow == _snd.Wnd) || newlySacked))
        {
            // A duplicate ACK: by RFC 5681's definition (no data, same window), or by RFC 6675's when SACK is on (any
            // ACK that SACKs bytes not SACKed before, even one carrying data or moving the window, as a peer sending
            // data of its own does: an echo peer's duplicate ACKs mostly ride on its data). A zero window is excluded:
            // the peer answering our zero-window probes is not reporting loss, and fast retransmit would push data
            // into a closed window. With SACK, RACK judges losses by time instead of counting duplicates.
            if (!_sack)
            {
                OnDuplicateAck();
            }
        }
        if (_sack && (_snd.Max > unaBefore || dsack))
        {
            long delivered = (_snd.Una - unaBefore) + (_sent.SackedBytes - sackedBefore);
            OnAckForRecovery(seg, delivered, dsack, _snd.Una > unaBefore, wasInRecovery);
        }

        // RFC 9293 3.10.7.4: take the window from the newest segment only.
        if (_snd.Wl1 < seg.Seq || (_snd.Wl1 == seg.Seq && _snd.Wl2 <= seg.Ack))
        {
            bool opened = _snd.Wnd == 0 && scaledWindow > 0;
            _snd.Wnd = scaledWindow;
            _snd.MaxWnd = Math.Max(_snd.MaxWnd, scaledWindow);
            _snd.Wl1 = seg.Seq;
            _snd.Wl2 = seg.Ack;
            if (opened && _persisting)
            {
                _persisting = false;
                _retransmitDeadline = 0;
                _rto.ResetBackoff();
            }
        }

        bool finAcked = _finRequested && _snd.Una > _finSeq;
        switch (State)
        {
            case TcpState.FinWait1 when finAcked:
                State = TcpState.FinWait2;
                if (_applicationReleased)
                {
                    ArmFinWait2Timeout();
                }
                break;
            case TcpState.Closing when finAcked:
                EnterTimeWait();
                return false;
            case TcpState.LastAck when finAcked:
                Finish(SocketError.Success, notify: true);
                return false;
        }
        return true;
    }

    private void OnNewAck(in IncomingSegment seg, SeqNumber ack)
    {
        int acked = ack - _snd.Una;
        int flightBefore = _snd.Max - _snd.Una;
        int dataAcked = acked;
        if (_snd.Una == _snd.Iss)
        {
            dataAcked--;
        }
        if (_finRequested && ack > _finSeq)
        {
            dataAcked--;
        }
        if (dataAcked > 0)
        {
            ReleaseAcknowledged(Math.Min(dataAcked, _send.Count));
        }
        long rttSample = TakeRttSample(seg, ack);
        _snd.Una = ack;
        // The path delivers again: an earlier ICMP soft error no longer explains anything (as Linux clears sk_err_soft).
        _softError = SocketError.Success;
        if (_snd.Nxt < _snd.Una)
        {
            _snd.Nxt = _snd.Una;
        }
        Debug.Assert(_snd.IsOrdered, "SND.UNA <= SND.NXT <= SND.MAX");
        _retries = 0;
        if (!_persisting)
        {
            // RFC 6298 5.2/5.3: stop the timer when all is acknowledged, restart it otherwise.
            _retransmitDeadline = _snd.Una == _snd.Max ? 0 : _host.NowMicroseconds + _rto.CurrentRto;
        }
        // Only data counts (RFC 5681 3.1: an ACK "that cumulatively acknowledges new data"): the ACK of our SYN
        // must not grow the initial window of RFC 6928 by one byte.
        if (_sack)
        {
            _sent.AckTo(ack, ref _rack, _host.NowMicroseconds);
            _probeRearm = true;
        }
        AckResult result = _congestion.OnAck(ack, CountAckedForGrowth(ack - acked, dataAcked, flightBefore), flightBefore, _snd.Max,
            _host.NowMicroseconds, rttSample, _rto.SmoothedRtt);
        if (!_congestion.InRecovery)
        {
            _ecnEpisode = false;
        }
        // A partial ACK within an ECN reduction (RFC 3168 6.1.2) marks no hole: nothing was lost, nothing is resent.
        if (result == AckResult.RetransmitFirstUnacked && !_sack && !_ecnEpisode)
        {
            // RFC 6582 3.2 step 5: a partial ACK resends the first unacknowledged segment (with SACK, RACK decides).
            RetransmitFirstSegment();
        }
        if (dataAcked > 0 && Handler is not null && !_finRequested)
        {
            Handler.OnWritable(this);
        }
    }

    /// <summary>
    /// RTT sampling: from the echoed timestamp when we have one (RFC 7323 4.1), otherwise one timed segment at a
    /// time with Karn's rule. Returns the sample in microseconds (0 for none) for the congestion controller.
    /// </summary>
    private long TakeRttSample(in IncomingSegment seg, SeqNumber ack)
    {
        if (_timestamps && seg.Options.HasTimestamps && seg.Options.TsEcr != 0)
        {
            long rttMs = (long)(uint)(TimestampNow - seg.Options.TsEcr);
            _rttTiming = false;
            if (rttMs >= 0 && rttMs < 3_600_000)
            {
                _rto.AddSample(rttMs * 1000);
                // Timestamps tick in milliseconds: a sub-millisecond RTT reads 0, which means "no sample" to
                // the controller, so report it as the granularity instead.
                return Math.Max(rttMs * 1000, RtoEstimator.GranularityMicros);
            }
            return 0;
        }
        if (_rttTiming && ack > _rttSeq)
        {
            long rtt = _host.NowMicroseconds - _rttStart;
            _rto.AddSample(rtt);
            _rttTiming = false;
            return Math.Max(rtt, 1);
        }
        return 0;
    }

    /// <summary>Segment text and FIN (RFC 9293 3.10.7.4 seventh and eighth steps). Returns whether the application has something new to read.</summary>
    private bool ProcessText(ref IncomingSegment seg)
    {
        bool readable = false;
        if (State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2 or TcpState.SynReceived)
        {
            if (seg.Payload.Length > 0)
            {
                int offset = seg.Seq - _rcv.Nxt;
                bool hadHoles = _receive.HasOutOfOrder;
                int advanced = _receive.Insert(offset, seg.Payload);
                ChargeReceiveMemory();
                if (advanced > 0)
                {
                    _rcv.Nxt += advanced;
                    readable = true;
                }
                if (offset > 0 || hadHoles)
                {
                    // RFC 5681 4.2: out-of-order data, and data that fills a hole, is acknowledged at once; and, as
                    // Linux's quick-ACK mode, the next segments are too, so the sender's recovery is not slowed by
                    // delayed ACKs.
                    _ackNow = true;
                    _quickAcks = _config.QuickAcks;
                    // Each out-of-order segment gets its own ACK with fresh SACK blocks (Linux sends one per segment,
                    // or per GRO batch): one ACK per receive batch would hide how much arrived. So does the segment
                    // that fills a hole, at once and not at the end of its batch: a sender that resent the hole with
                    // new data behind it learns from this ACK that its recovery is over (and may probe its tail
                    // again), so the loss of the batch's one last ACK no longer leaves it waiting for its timer.
                    SendControl(_snd.Nxt, TcpFlags.Ack);
                }
                else if (_quickAcks > 0 && !_interactive)
                {
                    // Quick-ACK mode (Linux's icsk_ack.quick): at connection start and after reordering, ACK at
                    // once so the sender's window grows (and its recovery ends) without delayed-ACK stalls.
                    _quickAcks--;
                    if ((_rcv.Nxt - advanced) - _rcv.Irs > 1)
                    {
                        _ackNow = true;
                    }
                    else if (!_ackAwaitsReply)
                    {
                        // The connection's first data is usually a request, and a server that answers at once lets
                        // its reply carry the ACK, one packet fewer per connection. So this ACK leaves at the end of
                        // the engine's turn, after the application's work of that turn has run, unless a segment
                        // sent by then carried it: at once, as Linux, for a peer whose reply is not that quick.
                        _ackAwaitsReply = true;
                        _host.SendAckAtEndOfTurn(this);
                    }
                }
                else if ((_segmentsSinceAck += seg.Payload.Length > PayloadPerSegment ? 2 : 1) >= 2)
                {
                    // RFC 5681 4.2: at least every second full segment; one that carries more than a full segment (a
                    // peer's TSO, or GRO on the way) counts as two, so it is acknowledged at once, as Linux does. The
                    // ACK normally waits for the end of the batch (one ACK for a burst, as GRO gives Linux), but not
                    // beyond a few segments, so that a sender limited by its buffer keeps streaming instead of
                    // stalling for a whole batch.
                    _ackNow = true;
                    if (_segmentsSinceAck >= AckCoalesceLimit)
                    {
                        SendControl(_snd.Nxt, TcpFlags.Ack);
                    }
                }
                else
                {
                    _ackDelayed = true;
                    if (_delayedAckDeadline == 0)
                    {
                        _delayedAckDeadline = _host.NowMicroseconds + _config.DelayedAckMicroseconds;
                    }
                }
            }
            if (seg.Has(TcpFlags.Fin))
            {
                _peerFinPending = true;
                _peerFinSeq = seg.Seq + seg.Payload.Length;
                _ackNow = true;
            }
        }
        if (_peerFinPending && !_peerFinReceived && _peerFinSeq == _rcv.Nxt)
        {
            _peerFinPending = false;
            _peerFinReceived = true;
            _rcv.Nxt += 1;
            _ackNow = true;
            readable = true;
            switch (State)
            {
                case TcpState.SynReceived:
                case TcpState.Established:
                    State = TcpState.CloseWait;
                    break;
                case TcpState.FinWait1:
                    State = TcpState.Closing;
                    break;
                case TcpState.FinWait2:
                    // The ACK of the FIN (_ackNow) leaves from EnterTimeWait, before the object becomes a record.
                    EnterTimeWait();
                    break;
            }
        }
        return readable;
    }
}
