using System.Net.Sockets;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// One TCP connection (the TCB of RFC 9293 3.3.1) and its state machine. Owned by one engine: every method runs on
/// that engine's thread, so nothing here locks. Objects are pooled and reused; <see cref="Generation"/> tells a
/// handle to a previous use apart from the current one.
/// Segment arrival follows RFC 9293 3.10.7 step by step, with RFC 5961 (blind-attack mitigations), RFC 7323
/// (window scale, timestamps, PAWS), RFC 6298 (RTO), RFC 5681/6582 (congestion control, NewReno), RFC 2018 (SACK blocks).
/// </summary>
public sealed class TcpConnection : TimerEntry
{
    private const int IpHeaderRoom = IPv4Header.Length;
    private const int MaxWindowShift = 14;

    /// <summary>Most in-order segments one batch may leave unacknowledged before an ACK goes out at once.</summary>
    private const int AckCoalesceLimit = 16;

    private ITcpHost _host = null!;
    private TcpConfig _config = null!;

    private SeqNumber _iss;
    private SeqNumber _sndUna;
    private SeqNumber _sndNxt;
    private SeqNumber _sndMax;
    private SeqNumber _sndWl1;
    private SeqNumber _sndWl2;
    private int _sndWnd;
    private int _maxSndWnd;
    private int _sndShift;

    private SeqNumber _irs;
    private SeqNumber _rcvNxt;
    /// <summary>The highest right edge (RCV.NXT + window) ever announced: segments are accepted up to it.</summary>
    private SeqNumber _rcvAdvertisedEdge;
    private SeqNumber _lastAckSent;
    private int _rcvShift;

    private bool _windowScaling;
    private bool _timestamps;
    private bool _sack;
    private uint _tsRecent;
    private uint _tsOffset;
    private int _sendMss;
    private int _advertisedMss;

    private readonly SendBuffer _send = new(1);
    private ReceiveBuffer _receive = new(1);
    private readonly RtoEstimator _rto = new();
    private readonly SackScoreboard _scoreboard = new();
    private SeqNumber _recoveryNext;
    private readonly NewRenoCongestionControl _congestion = new(536);

    private bool _finRequested;
    private SeqNumber _finSeq;
    private bool _peerFinPending;
    private SeqNumber _peerFinSeq;
    private bool _peerFinReceived;

    private bool _rttTiming;
    private SeqNumber _rttSeq;
    private long _rttStart;
    private int _retries;

    private long _retransmitDeadline;
    private bool _persisting;
    private long _delayedAckDeadline;
    private long _keepAliveDeadline;
    private long _finWait2Deadline;
    private long _windowUpdateDeadline;
    private int _windowUpdateRetries;
    private int _keepAliveProbesSent;
    private long _lastReceiveTime;

    private bool _ackNow;
    private bool _ackDelayed;
    private int _segmentsSinceAck;
    private bool _flushQueued;

    private long _challengeWindowStart;
    private int _challengeAcksInWindow;

    private bool _passive;
    private bool _applicationReleased;
    private bool _finished;

    public FlowKey Key { get; private set; }

    /// <summary>The core that owns this connection: only its engine thread may touch it.</summary>
    public int CoreId => _host.CoreId;

    /// <summary>The engine that owns this connection.</summary>
    internal ITcpHost Host => _host;

    public TcpState State { get; private set; }

    /// <summary>Bumped each time the pooled object is reused.</summary>
    public int Generation { get; private set; }

    public ITcpConnectionHandler? Handler { get; set; }

    /// <summary>Free slot for the layer above (the socket that wraps this connection).</summary>
    public object? UserState { get; set; }

    /// <summary>Why the connection ended, once it has.</summary>
    public SocketError Error { get; private set; }

    public bool NoDelay { get; set; }

    public bool KeepAlive
    {
        get => _keepAliveEnabled;
        set
        {
            _keepAliveEnabled = value;
            if (_host is not null && IsSynchronized)
            {
                _keepAliveDeadline = value ? _host.NowMicroseconds + _config.KeepAliveIdleMicroseconds : 0;
                UpdateTimer();
            }
        }
    }

    private bool _keepAliveEnabled;

    /// <summary>The listener that accepted this connection, if it was opened passively.</summary>
    internal ITcpListener? Listener { get; set; }

    /// <summary>Next connection in the accept queue or pool (intrusive, so queues allocate nothing).</summary>
    internal TcpConnection? NextInQueue { get; set; }

    public int SendMss => _sendMss;

    public int CongestionWindow => _congestion.Cwnd;

    public int SendWindow => _sndWnd;

    public bool WindowScalingEnabled => _windowScaling;

    public bool TimestampsEnabled => _timestamps;

    public bool SackEnabled => _sack;

    public long SmoothedRttMicroseconds => _rto.SmoothedRtt;

    public long RetransmissionTimeoutMicroseconds => _rto.CurrentRto;

    /// <summary>Bytes readable now.</summary>
    public int Readable => _receive.Readable;

    /// <summary>Free space in the send buffer.</summary>
    public int Writable => _finRequested ? 0 : _send.Free;

    /// <summary>Bytes written but not yet acknowledged.</summary>
    public int Unacknowledged => _send.Count;

    /// <summary>The peer has closed its side and every byte has been read: Read returns 0 from now on.</summary>
    public bool ReceiveCompleted => _peerFinReceived && _receive.Readable == 0;

    public bool IsSynchronized => State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2
        or TcpState.CloseWait or TcpState.Closing or TcpState.LastAck;

    public bool IsConnected => State is TcpState.Established or TcpState.CloseWait;

    internal SeqNumber SendNext => _sndNxt;

    internal SeqNumber SendUnacknowledged => _sndUna;

    internal SeqNumber ReceiveNext => _rcvNxt;

    internal SeqNumber InitialSendSequence => _iss;

    internal uint TsRecent => _tsRecent;

    /// <summary>The window field of our last segment (RCV.WND scaled down), for the TIME-WAIT record's ACKs.</summary>
    internal ushort AdvertisedWindowField => (ushort)Math.Min(ReceiveWindow >> _rcvShift, ushort.MaxValue);

    internal int ReceiveWindowShift => _rcvShift;

    internal uint TimestampOffset => _tsOffset;

    /// <summary>Sits in a listener's accept queue (established, not yet accepted).</summary>
    internal bool Queued { get; set; }

    internal bool ApplicationReleased => _applicationReleased;

    internal bool Finished => _finished;

    /// <summary>Current timestamp clock value for this connection (RFC 7323: 1 ms ticks with a per-connection offset).</summary>
    internal uint TimestampNow => (uint)(_host.NowMicroseconds / 1000) + _tsOffset;

    internal int SendBufferCapacity
    {
        get => _send.Capacity;
        set => _send.Capacity = value;
    }

    internal int ReceiveBufferCapacity => _receive.Capacity;

    private void Initialize(ITcpHost host, in FlowKey key, SeqNumber iss, int sendBuffer, int receiveBuffer)
    {
        _host = host;
        _config = host.Config;
        Key = key;
        Generation++;
        Error = SocketError.Success;
        _iss = iss;
        _sndUna = iss;
        _sndNxt = iss + 1;
        _sndMax = iss + 1;
        _sndWnd = 0;
        _maxSndWnd = 0;
        _sndShift = 0;
        _sndWl1 = default;
        _sndWl2 = default;
        _irs = default;
        _rcvNxt = default;
        _rcvAdvertisedEdge = default;
        _lastAckSent = default;
        _windowScaling = false;
        _timestamps = false;
        _sack = false;
        _tsRecent = 0;
        _tsOffset = host.TimestampOffset(key);
        _send.Clear();
        _send.Pool = host.BufferPool;
        _send.Capacity = Math.Max(1, sendBuffer);
        _receive.Clear();
        if (_receive.Capacity != receiveBuffer)
        {
            _receive = new ReceiveBuffer(Math.Max(1, receiveBuffer), _config.MaxOutOfOrderRanges);
        }
        _receive.Pool = host.BufferPool;
        _rcvShift = 0;
        if (_config.WindowScaling)
        {
            while (_rcvShift < MaxWindowShift && (receiveBuffer >> _rcvShift) > ushort.MaxValue)
            {
                _rcvShift++;
            }
        }
        _advertisedMss = Math.Min(_config.MaxSegmentSize, host.MaxTcpSegmentLength(key.LocalAddress) - TcpHeader.MinLength);
        _sendMss = Math.Max(Math.Min(536, _advertisedMss), 1);
        _rto.Reset(_config.MinRtoMicroseconds, _config.MaxRtoMicroseconds);
        _scoreboard.Clear();
        _recoveryNext = default;
        _congestion.Reset(_sendMss);
        _finRequested = false;
        _finSeq = default;
        _peerFinPending = false;
        _peerFinReceived = false;
        _rttTiming = false;
        _retries = 0;
        _retransmitDeadline = 0;
        _persisting = false;
        _delayedAckDeadline = 0;
        _keepAliveDeadline = 0;
        _finWait2Deadline = 0;
        _windowUpdateDeadline = 0;
        _windowUpdateRetries = 0;
        _keepAliveProbesSent = 0;
        _lastReceiveTime = host.NowMicroseconds;
        _ackNow = false;
        _ackDelayed = false;
        _segmentsSinceAck = 0;
        _flushQueued = false;
        _challengeWindowStart = 0;
        _challengeAcksInWindow = 0;
        _applicationReleased = false;
        _finished = false;
        NoDelay = _config.NoDelay;
        _keepAliveEnabled = false;
        Handler = null;
        UserState = null;
        Listener = null;
        NextInQueue = null;
        Queued = false;
    }

    /// <summary>Starts an active open: sends SYN and enters SYN-SENT.</summary>
    internal void OpenActive(ITcpHost host, in FlowKey key, SeqNumber iss, ITcpConnectionHandler? handler, int sendBuffer, int receiveBuffer)
    {
        Initialize(host, key, iss, sendBuffer, receiveBuffer);
        Handler = handler;
        _passive = false;
        State = TcpState.SynSent;
        host.Statistics.ConnectionsOpened++;
        SendSyn();
    }

    /// <summary>Answers a SYN that reached a listener: records its options, sends SYN-ACK, enters SYN-RECEIVED.</summary>
    internal void OpenPassive(ITcpHost host, in FlowKey key, SeqNumber iss, in IncomingSegment syn, ITcpListener listener, int sendBuffer, int receiveBuffer)
    {
        Initialize(host, key, iss, sendBuffer, receiveBuffer);
        _passive = true;
        Listener = listener;
        State = TcpState.SynReceived;
        AcceptPeerSynOptions(syn);
        SendSyn();
    }

    private void AcceptPeerSynOptions(in IncomingSegment syn)
    {
        _irs = syn.Seq;
        _rcvNxt = syn.Seq + 1;
        _rcvAdvertisedEdge = _rcvNxt;
        _windowScaling = _config.WindowScaling && syn.Options.HasWindowScale;
        if (_windowScaling)
        {
            // RFC 7323 2.3: a shift above 14 is treated as 14.
            _sndShift = Math.Min((int)syn.Options.WindowScale, MaxWindowShift);
        }
        else
        {
            _sndShift = 0;
            _rcvShift = 0;
        }
        _timestamps = _config.Timestamps && syn.Options.HasTimestamps;
        if (_timestamps)
        {
            _tsRecent = syn.Options.TsVal;
        }
        _sack = _config.SackPermitted && syn.Options.SackPermitted;
        // RFC 9293 3.7.1: without the option, assume 536. The floor keeps a tiny advertised MSS from fragmenting our sends.
        int peerMss = syn.Options.HasMss ? syn.Options.Mss : 536;
        _sendMss = Math.Max(Math.Min(peerMss, _advertisedMss), Math.Min(_config.MinSendSegmentSize, _advertisedMss));
        _congestion.Reset(PayloadPerSegment);
        // The window in a SYN is never scaled (RFC 7323 2.2).
        _sndWnd = syn.Window;
        _maxSndWnd = _sndWnd;
        _sndWl1 = syn.Seq;
        _sndWl2 = _sndUna;
    }

    /// <summary>Payload bytes that fit in one segment once per-segment options are accounted for.</summary>
    private int PayloadPerSegment => _sendMss - (_timestamps ? 12 : 0);

    // ---------------------------------------------------------------- application side

    /// <summary>Copies readable bytes out; returns 0 when nothing is readable (see <see cref="ReceiveCompleted"/> for end of stream).</summary>
    public int Read(Span<byte> destination)
    {
        int n = _receive.Read(destination);
        if (n > 0 && IsSynchronized)
        {
            MaybeSendWindowUpdate();
        }
        return n;
    }

    /// <summary>
    /// Queues bytes for sending; returns how many were taken (0 when the send buffer is full), or -1 when the
    /// connection can no longer send (see <see cref="Error"/>).
    /// </summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        if (_finRequested || _finished || State is TcpState.Closed or TcpState.Listen or TcpState.TimeWait)
        {
            return -1;
        }
        int n = _send.Append(data);
        if (n > 0 && IsSynchronized)
        {
            RequestFlush();
        }
        return n;
    }

    /// <summary>Half-closes: queues a FIN after the data already written (shutdown(SHUT_WR)).</summary>
    public void Shutdown()
    {
        if (_finRequested || _finished)
        {
            return;
        }
        switch (State)
        {
            case TcpState.SynSent:
                Finish(SocketError.Success, notify: false);
                return;
            case TcpState.SynReceived:
                // The FIN goes out once the handshake completes (ProcessAck moves us to FIN-WAIT-1 then).
                _finRequested = true;
                break;
            case TcpState.Established:
                _finRequested = true;
                State = TcpState.FinWait1;
                break;
            case TcpState.CloseWait:
                _finRequested = true;
                State = TcpState.LastAck;
                break;
            default:
                return;
        }
        _finSeq = DataEnd;
        if (State != TcpState.SynReceived)
        {
            RequestFlush();
        }
    }

    /// <summary>
    /// Closes as close(2) does: a graceful FIN, or a RST when unread data would be lost (RFC 2525 2.17, as Linux).
    /// The object returns to the pool once the protocol is done with it; the caller must not touch it again.
    /// </summary>
    public void Close()
    {
        if (_applicationReleased)
        {
            return;
        }
        _applicationReleased = true;
        Handler = null;
        if (_finished)
        {
            _host.Recycle(this);
            return;
        }
        if (_receive.Readable > 0 && IsSynchronized)
        {
            Abort();
            return;
        }
        Shutdown();
        if (State == TcpState.FinWait2)
        {
            ArmFinWait2Timeout();
        }
    }

    /// <summary>Drops the connection at once with a RST (SO_LINGER with a zero timeout).</summary>
    public void Abort()
    {
        if (_finished)
        {
            return;
        }
        if (State != TcpState.SynSent)
        {
            SendControl(_sndNxt, TcpFlags.Rst | TcpFlags.Ack);
            _host.Statistics.ResetsSent++;
        }
        Finish(SocketError.ConnectionAborted, notify: false);
    }

    // ---------------------------------------------------------------- segment arrival (RFC 9293 3.10.7)

    internal void OnSegment(ref IncomingSegment seg)
    {
        _host.Statistics.SegmentsIn++;
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
        if (hasAck && (seg.Ack <= _iss || seg.Ack > _sndMax))
        {
            if (!seg.Has(TcpFlags.Rst))
            {
                SendResetForAck(seg.Ack);
            }
            _host.Statistics.Drops.Add(DropReason.TcpBadAck);
            return;
        }
        if (seg.Has(TcpFlags.Rst))
        {
            if (hasAck)
            {
                _host.Statistics.ConnectionsReset++;
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
            _sndUna = seg.Ack;
            _sndWl1 = seg.Seq;
            _sndWl2 = seg.Ack;
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
        if (State == TcpState.SynReceived && !_passive && seg.Has(TcpFlags.Syn) && seg.Has(TcpFlags.Ack) && seg.Seq == _irs)
        {
            seg.Flags &= ~TcpFlags.Syn;
            seg.Seq += 1;
        }

        // A retransmitted SYN for a connection still in SYN-RECEIVED means our SYN-ACK was lost: send it again.
        if (State == TcpState.SynReceived && seg.Has(TcpFlags.Syn) && !seg.Has(TcpFlags.Ack) && seg.Seq == _irs)
        {
            SendSyn();
            return;
        }

        // PAWS (RFC 7323 5.3): a timestamp older than TS.Recent marks an old duplicate.
        if (_timestamps && seg.Options.HasTimestamps && !seg.Has(TcpFlags.Rst) &&
            (int)(seg.Options.TsVal - _tsRecent) < 0)
        {
            host.Statistics.Drops.Add(DropReason.TcpPawsRejected);
            _ackNow = true;
            RequestFlush();
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
            host.Statistics.Drops.Add(DropReason.TcpOutOfWindow);
            _ackNow = true;
            RequestFlush();
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

        if (!ProcessAck(ref seg))
        {
            return;
        }
        if (_finished)
        {
            return;
        }

        // RFC 7323 4.3: remember the timestamp of a segment that covers the last ACK we sent.
        if (_timestamps && seg.Options.HasTimestamps && seg.Seq <= _lastAckSent &&
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

    /// <summary>RFC 5961 3.2: reset only on an exact RCV.NXT match; in-window RSTs get a challenge ACK; others are dropped.</summary>
    private void OnReset(in IncomingSegment seg, int window)
    {
        if (seg.Seq == _rcvNxt)
        {
            _host.Statistics.ConnectionsReset++;
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
        if (seg.Seq.IsInRange(_rcvNxt, _rcvNxt + Math.Max(window, 1)))
        {
            SendChallengeAck();
            return;
        }
        _host.Statistics.Drops.Add(DropReason.TcpOutOfWindow);
    }

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
            return seg.Seq.IsInRange(_rcvNxt, _rcvNxt + window + 1);
        }
        if (window == 0)
        {
            // RFC 9293: with a zero window no data is acceptable, but ACKs must still be processed; the text is
            // dropped in TrimToWindow. Linux does the same for the segment at RCV.NXT.
            return seg.Seq == _rcvNxt;
        }
        SeqNumber end = _rcvNxt + window;
        return seg.Seq.IsInRange(_rcvNxt, end) || (seg.Seq + (length - 1)).IsInRange(_rcvNxt, end);
    }

    /// <summary>Cuts off what lies before RCV.NXT (including an old SYN or FIN) and what lies beyond the window.</summary>
    private void TrimToWindow(ref IncomingSegment seg, int window)
    {
        int before = _rcvNxt - seg.Seq;
        if (before > 0)
        {
            if (seg.Has(TcpFlags.Syn))
            {
                seg.Flags &= ~TcpFlags.Syn;
                seg.Seq += 1;
                before--;
            }
            int cut = Math.Min(before, seg.Payload.Length);
            seg.Payload = seg.Payload[cut..];
            seg.Seq += cut;
            before -= cut;
            if (before > 0 && seg.Has(TcpFlags.Fin))
            {
                seg.Flags &= ~TcpFlags.Fin;
            }
        }
        int room = (_rcvNxt + window) - seg.Seq;
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
        if (State == TcpState.SynReceived)
        {
            if (!(seg.Ack > _sndUna && seg.Ack <= _sndMax))
            {
                SendResetForAck(seg.Ack);
                host.Statistics.Drops.Add(DropReason.TcpBadAck);
                return false;
            }
            _sndWnd = seg.Window << _sndShift;
            _maxSndWnd = Math.Max(_maxSndWnd, _sndWnd);
            _sndWl1 = seg.Seq;
            _sndWl2 = seg.Ack;
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

        if (seg.Ack > _sndMax)
        {
            // RFC 9293: an ACK for something not yet sent is answered with an ACK and dropped.
            host.Statistics.Drops.Add(DropReason.TcpBadAck);
            _ackNow = true;
            RequestFlush();
            return false;
        }
        if (seg.Ack < _sndUna - _maxSndWnd)
        {
            // RFC 5961 5.2: an ACK older than anything the peer could have seen is a blind attack or a stale duplicate.
            host.Statistics.Drops.Add(DropReason.TcpBadAck);
            SendChallengeAck();
            return false;
        }

        int scaledWindow = seg.Window << _sndShift;
        bool newlySacked = false;
        if (_sack && seg.Options.SackCount > 0)
        {
            long sackedBefore = _scoreboard.SackedBytes;
            _scoreboard.Add(seg.Options, SeqNumber.Max(_sndUna, seg.Ack), _sndMax);
            newlySacked = _scoreboard.SackedBytes > sackedBefore;
        }
        if (seg.Ack > _sndUna)
        {
            OnNewAck(seg, seg.Ack);
        }
        else if (seg.Ack == _sndUna && scaledWindow != 0 && _sndMax > _sndUna &&
                 ((seg.Payload.Length == 0 && !seg.Has(TcpFlags.Fin) && scaledWindow == _sndWnd) || newlySacked))
        {
            // A duplicate ACK: by RFC 5681's definition (no data, same window), or by RFC 6675's when SACK is on (any
            // ACK that SACKs bytes not SACKed before, even one carrying data or moving the window, as a peer sending
            // data of its own does: an echo peer's duplicate ACKs mostly ride on its data). A zero window is excluded:
            // the peer answering our zero-window probes is not reporting loss, and fast retransmit would push data
            // into a closed window.
            OnDuplicateAck();
        }

        // RFC 9293 3.10.7.4: take the window from the newest segment only.
        if (_sndWl1 < seg.Seq || (_sndWl1 == seg.Seq && _sndWl2 <= seg.Ack))
        {
            bool opened = _sndWnd == 0 && scaledWindow > 0;
            _sndWnd = scaledWindow;
            _maxSndWnd = Math.Max(_maxSndWnd, scaledWindow);
            _sndWl1 = seg.Seq;
            _sndWl2 = seg.Ack;
            if (opened && _persisting)
            {
                _persisting = false;
                _retransmitDeadline = 0;
                _rto.ResetBackoff();
            }
        }

        bool finAcked = _finRequested && _sndUna > _finSeq;
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
        int acked = ack - _sndUna;
        int flightBefore = _sndMax - _sndUna;
        int dataAcked = acked;
        if (_sndUna == _iss)
        {
            dataAcked--;
        }
        if (_finRequested && ack > _finSeq)
        {
            dataAcked--;
        }
        if (dataAcked > 0)
        {
            _send.Release(Math.Min(dataAcked, _send.Count));
        }
        TakeRttSample(seg, ack);
        _sndUna = ack;
        if (_sndNxt < _sndUna)
        {
            _sndNxt = _sndUna;
        }
        _retries = 0;
        if (!_persisting)
        {
            // RFC 6298 5.2/5.3: stop the timer when all is acknowledged, restart it otherwise.
            _retransmitDeadline = _sndUna == _sndMax ? 0 : _host.NowMicroseconds + _rto.CurrentRto;
        }
        // Only data counts (RFC 5681 3.1: an ACK "that cumulatively acknowledges new data"): the ACK of our SYN
        // must not grow the initial window of RFC 6928 by one byte.
        _scoreboard.Prune(ack);
        AckResult result = _congestion.OnAck(ack, Math.Max(dataAcked, 0), flightBefore, _sndMax);
        if (result == AckResult.RetransmitFirstUnacked)
        {
            if (_recoveryNext <= _sndUna)
            {
                RetransmitFirstSegment();
                _recoveryNext = _sndUna + PayloadPerSegment;
            }
            else
            {
                // SACK already had us resend this hole; repair the next one instead.
                RetransmitNextHole();
            }
        }
        if (dataAcked > 0 && Handler is not null && !_finRequested)
        {
            Handler.OnWritable(this);
        }
    }

    private void OnDuplicateAck()
    {
        DupAckResult result = _congestion.OnDuplicateAck(_sndUna, _sndMax - _sndUna, _sndMax);
        if (result == DupAckResult.FastRetransmit)
        {
            _host.Statistics.FastRetransmits++;
            _rttTiming = false;
            RetransmitFirstSegment();
            _recoveryNext = _sndUna + PayloadPerSegment;
            _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
        }
        else if (_sack && _congestion.InRecovery)
        {
            // Each further duplicate ACK means a segment left the network: spend it on the next hole SACK reveals.
            RetransmitNextHole();
        }
    }

    /// <summary>Resends the lowest hole below the highest SACKed byte not yet resent in this recovery.</summary>
    private void RetransmitNextHole()
    {
        if (!_sack || _sndUna == _iss)
        {
            return;
        }
        SeqNumber from = SeqNumber.Max(_recoveryNext, _sndUna);
        if (!_scoreboard.TryFindHole(from, out SeqNumber start, out SeqNumber end))
        {
            return;
        }
        int dataOffset = start - _sndUna;
        int length = Math.Min(Math.Min(PayloadPerSegment, end - start), _send.Count - dataOffset);
        if (length <= 0)
        {
            return;
        }
        SendSegment(start, TcpFlags.Ack, dataOffset, length);
        _host.Statistics.Retransmissions++;
        _recoveryNext = start + length;
    }

    /// <summary>RTT sampling: from the echoed timestamp when we have one (RFC 7323 4.1), otherwise one timed segment at a time with Karn's rule.</summary>
    private void TakeRttSample(in IncomingSegment seg, SeqNumber ack)
    {
        if (_timestamps && seg.Options.HasTimestamps && seg.Options.TsEcr != 0)
        {
            long rttMs = (long)(uint)(TimestampNow - seg.Options.TsEcr);
            if (rttMs >= 0 && rttMs < 3_600_000)
            {
                _rto.AddSample(rttMs * 1000);
            }
            _rttTiming = false;
            return;
        }
        if (_rttTiming && ack > _rttSeq)
        {
            _rto.AddSample(_host.NowMicroseconds - _rttStart);
            _rttTiming = false;
        }
    }

    /// <summary>Segment text and FIN (RFC 9293 3.10.7.4 seventh and eighth steps). Returns whether the application has something new to read.</summary>
    private bool ProcessText(ref IncomingSegment seg)
    {
        bool readable = false;
        if (State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2 or TcpState.SynReceived)
        {
            if (seg.Payload.Length > 0)
            {
                int offset = seg.Seq - _rcvNxt;
                bool hadHoles = _receive.HasOutOfOrder;
                int advanced = _receive.Insert(offset, seg.Payload);
                if (advanced > 0)
                {
                    _rcvNxt += advanced;
                    readable = true;
                }
                if (offset > 0 || hadHoles)
                {
                    // RFC 5681 4.2: out-of-order data, and data that fills a hole, is acknowledged at once.
                    _ackNow = true;
                }
                else if (++_segmentsSinceAck >= 2)
                {
                    // RFC 5681 4.2: at least every second full segment. The ACK normally waits for the end of the
                    // batch (one ACK for a burst, as GRO gives Linux), but not beyond a few segments, so that a
                    // sender limited by its buffer keeps streaming instead of stalling for a whole batch.
                    _ackNow = true;
                    if (_segmentsSinceAck >= AckCoalesceLimit)
                    {
                        SendControl(_sndNxt, TcpFlags.Ack);
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
        if (_peerFinPending && !_peerFinReceived && _peerFinSeq == _rcvNxt)
        {
            _peerFinPending = false;
            _peerFinReceived = true;
            _rcvNxt += 1;
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
                    // Send the ACK of the FIN now: the connection object is about to become a compact record.
                    SendControl(_sndNxt, TcpFlags.Ack);
                    EnterTimeWait();
                    break;
            }
        }
        return readable;
    }

    // ---------------------------------------------------------------- output

    private SeqNumber DataEnd => _sndUna + (_send.Count + (_sndUna == _iss ? 1 : 0));

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
        }
        if (_ackNow && State != TcpState.SynSent && !_finished)
        {
            SendControl(_sndNxt, TcpFlags.Ack);
        }
        UpdateTimer();
    }

    private void SendData()
    {
        int payloadMax = PayloadPerSegment;
        while (true)
        {
            int inFlight = _sndNxt - _sndUna;
            int dataOffset = _sndNxt - _sndUna - (_sndUna == _iss ? 1 : 0);
            bool finInFlight = _finRequested && _sndNxt > _finSeq;
            int unsent = finInFlight ? 0 : _send.Count - dataOffset;
            int window = Math.Min(_sndWnd, _congestion.Cwnd);
            int usable = window - inFlight;
            if (unsent > 0)
            {
                int length = Math.Min(payloadMax, unsent);
                if (usable < length)
                {
                    // Sender-side silly window avoidance (RFC 9293 3.8.6.2.1): a partial segment only if it is at
                    // least half the largest window the peer has offered.
                    if (usable <= 0 || usable < Math.Min(payloadMax, _maxSndWnd / 2))
                    {
                        ArmPersistIfStalled(inFlight);
                        break;
                    }
                    length = usable;
                }
                if (length < payloadMax && inFlight > 0 && !NoDelay && !(_finRequested && length == unsent))
                {
                    // Nagle (RFC 896, RFC 9293 3.7.4): hold a small segment while data is unacknowledged.
                    break;
                }
                bool fin = _finRequested && length == unsent;
                TcpFlags flags = TcpFlags.Ack | (length == unsent ? TcpFlags.Psh : 0) | (fin ? TcpFlags.Fin : 0);
                bool isNew = _sndNxt == _sndMax;
                SendSegment(_sndNxt, flags, dataOffset, length);
                if (isNew && !_rttTiming && !_timestamps)
                {
                    _rttTiming = true;
                    _rttSeq = _sndNxt;
                    _rttStart = _host.NowMicroseconds;
                }
                else if (!isNew)
                {
                    _host.Statistics.Retransmissions++;
                }
                _sndNxt += length + (fin ? 1 : 0);
                if (_sndNxt > _sndMax)
                {
                    _sndMax = _sndNxt;
                }
                ArmRetransmit();
                continue;
            }
            if (_finRequested && _sndNxt == _finSeq)
            {
                if (_sndNxt != _sndMax)
                {
                    _host.Statistics.Retransmissions++;
                }
                SendControl(_sndNxt, TcpFlags.Fin | TcpFlags.Ack);
                _sndNxt += 1;
                if (_sndNxt > _sndMax)
                {
                    _sndMax = _sndNxt;
                }
                ArmRetransmit();
            }
            break;
        }
    }

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
            SendSegment(_sndUna, TcpFlags.Ack | (fin ? TcpFlags.Fin : 0), dataOffset, length);
            _host.Statistics.Retransmissions++;
        }
        else if (_finRequested && _sndUna == _finSeq)
        {
            SendControl(_sndUna, TcpFlags.Fin | TcpFlags.Ack);
            _host.Statistics.Retransmissions++;
        }
    }

    private void MaybeSendWindowUpdate()
    {
        // Tell the peer about reopened space once it is worth a segment or half the buffer (receiver SWS avoidance).
        int newEdgeGain = (_rcvNxt + _receive.Window) - _rcvAdvertisedEdge;
        if (newEdgeGain >= Math.Min(_receive.Capacity / 2, 2 * _advertisedMss))
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
    private int ReceiveWindow => Math.Max(_rcvAdvertisedEdge - _rcvNxt, 0);

    /// <summary>The window to advertise now: the edge we accept up to never moves back (RFC 9293 3.8.6.2.2), and it grows in useful steps.</summary>
    private ushort ComputeWindowField()
    {
        int free = _receive.Window;
        SeqNumber edge = _rcvNxt + free;
        if (edge < _rcvAdvertisedEdge)
        {
            edge = _rcvAdvertisedEdge;
        }
        else if (edge - _rcvAdvertisedEdge < Math.Min(_receive.Capacity / 2, _advertisedMss) && _rcvAdvertisedEdge > _rcvNxt)
        {
            edge = _rcvAdvertisedEdge;
        }
        int window = edge - _rcvNxt;
        int field = Math.Min(window >> _rcvShift, ushort.MaxValue);
        // The scaled field counts units of 2^shift bytes from RCV.NXT, which moves by arbitrary amounts, so rounding
        // down can announce an edge up to 2^shift - 1 bytes short of one announced before (RFC 7323 appendix F). The
        // peer may already have sent up to that earlier edge, and an edge pulled back behind its SND.NXT made us drop
        // its bytes and, worse, every ACK it sent (SEG.SEQ = its SND.NXT beyond our window), deaf to acknowledgments of
        // our own data until its backed-off retransmission timer fired. So the announcement may fall short, but the
        // edge we accept segments up to never moves back. Rounding up instead (Linux's choice) would promise bytes
        // beyond the buffer, and more with every ACK while the application does not read, which we could only drop.
        // Every edge announced lies within the buffer (RCV.NXT plus free space never decreases), so all can be honoured.
        _rcvAdvertisedEdge = SeqNumber.Max(_rcvAdvertisedEdge, _rcvNxt + (field << _rcvShift));
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
            options.WindowScale = (byte)_rcvShift;
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
        ushort window = (ushort)Math.Min(_receive.Window, ushort.MaxValue);
        TcpFlags flags = synAck ? TcpFlags.Syn | TcpFlags.Ack : TcpFlags.Syn;
        Emit(_iss, synAck ? _rcvNxt.Value : 0, flags, window, options, 0, 0);
        if (synAck)
        {
            _rcvAdvertisedEdge = _rcvNxt + window;
            _lastAckSent = _rcvNxt;
        }
        if (_retransmitDeadline == 0)
        {
            _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
        }
        if (!_timestamps && _retries == 0)
        {
            _rttTiming = true;
            _rttSeq = _iss;
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
        if (_sack && _receive.HasOutOfOrder && (flags & TcpFlags.Rst) == 0)
        {
            Span<(int Start, int End)> blocks = stackalloc (int, int)[TcpOptions.MaxSackBlocks];
            int count = _receive.GetSackBlocks(blocks);
            for (int i = 0; i < count; i++)
            {
                options.Sack[i] = new SackBlock((_rcvNxt + blocks[i].Start).Value, (_rcvNxt + blocks[i].End).Value);
            }
            options.SackCount = count;
            // Options come out of the segment's payload allowance (RFC 6691): a full-sized data segment has room for
            // timestamps only, so SACK blocks that would push it past the peer's MSS (and our MTU) are left to pure
            // ACKs. Sending them anyway overran the transmit buffer in a two-way transfer with losses.
            while (options.SackCount > 0 && options.WireLength + length > _sendMss)
            {
                options.SackCount--;
            }
        }
        ushort window = (flags & TcpFlags.Rst) != 0 ? (ushort)0 : ComputeWindowField();
        Emit(seq, (flags & TcpFlags.Ack) != 0 ? _rcvNxt.Value : 0, flags, window, options, dataOffset, length);
        if ((flags & TcpFlags.Ack) != 0)
        {
            _lastAckSent = _rcvNxt;
            _ackNow = false;
            _ackDelayed = false;
            _segmentsSinceAck = 0;
            _delayedAckDeadline = 0;
        }
    }

    private void Emit(SeqNumber seq, uint ack, TcpFlags flags, ushort window, in TcpOptions options, int dataOffset, int length)
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
        IPv4Header.Write(packet, key.LocalAddress, key.RemoteAddress, IpProtocol.Tcp, tcpLength, (ushort)seq.Value);
        _host.Statistics.SegmentsOut++;
        _host.TransmitPacket(IpHeaderRoom + tcpLength);
    }

    private void SendResetForAck(SeqNumber ack)
    {
        SendControlRaw(ack, 0, TcpFlags.Rst);
        _host.Statistics.ResetsSent++;
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
            _host.Statistics.Drops.Add(DropReason.TcpRateLimited);
            return;
        }
        _challengeAcksInWindow++;
        _host.Statistics.ChallengeAcksSent++;
        SendControl(_sndNxt, TcpFlags.Ack);
    }

    // ---------------------------------------------------------------- timers

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
            RequestFlush();
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
                SendControl(_sndNxt, TcpFlags.Ack);
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
            host.Statistics.ConnectionsTimedOut++;
            Finish(SocketError.TimedOut, notify: true);
            return;
        }
        _retries++;
        host.Statistics.RetransmitTimeouts++;
        _rto.Backoff();
        _rttTiming = false;
        if (handshake)
        {
            host.Statistics.Retransmissions++;
            SendSyn();
            return;
        }
        // RFC 5681 3.1 and 6582 3.2 step 4: collapse to the loss window and resend from SND.UNA (go-back-N).
        _congestion.OnRetransmitTimeout(_sndMax - _sndUna, _sndMax);
        // RFC 2018 8: the receiver may have discarded what it SACKed; after a timeout resend everything.
        _scoreboard.Clear();
        _recoveryNext = default;
        _sndNxt = _sndUna;
        _retransmitDeadline = 0;
        SendData();
        if (_retransmitDeadline == 0 && _sndMax > _sndUna)
        {
            _retransmitDeadline = host.NowMicroseconds + _rto.CurrentRto;
        }
    }

    /// <summary>Zero-window probe: one byte of new data beyond the closed window (RFC 9293 3.8.6.1), with backoff.</summary>
    private void OnPersistTimeout()
    {
        int dataOffset = _sndNxt - _sndUna - (_sndUna == _iss ? 1 : 0);
        int unsent = _send.Count - dataOffset;
        int room = _sndWnd - (_sndNxt - _sndUna);
        if (_sndWnd > 0 && room > 0 && unsent > 0)
        {
            // SWS override timeout (RFC 9293 3.8.6.2.1): send what the small window takes rather than wait for ever.
            int length = Math.Min(Math.Min(room, unsent), PayloadPerSegment);
            SendSegment(_sndNxt, TcpFlags.Ack | (length == unsent ? TcpFlags.Psh : 0), dataOffset, length);
            _sndNxt += length;
            if (_sndNxt > _sndMax)
            {
                _sndMax = _sndNxt;
            }
            ArmRetransmit();
            return;
        }
        if (_sndWnd > 0 || unsent <= 0)
        {
            _persisting = false;
            RequestFlush();
            return;
        }
        SendSegment(_sndNxt, TcpFlags.Ack, dataOffset, 1);
        if (_sndNxt + 1 > _sndMax)
        {
            // The probe byte counts as sent, so an ACK that takes it is acceptable; SND.NXT stays so that it is
            // sent again in order once the window opens.
            _sndMax = _sndNxt + 1;
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
            _host.Statistics.ConnectionsTimedOut++;
            Finish(SocketError.TimedOut, notify: true);
            return;
        }
        // An old sequence number makes the peer answer with an ACK (RFC 9293 3.8.4), proving it is alive.
        _keepAliveProbesSent++;
        SendControl(_sndUna - 1, TcpFlags.Ack);
        _keepAliveDeadline = now + _config.KeepAliveIntervalMicroseconds;
    }

    private void ArmFinWait2Timeout()
    {
        _finWait2Deadline = _host.NowMicroseconds + _config.FinWait2TimeoutMicroseconds;
        UpdateTimer();
    }

    // ---------------------------------------------------------------- endings

    private void EnterEstablished()
    {
        State = TcpState.Established;
        _retries = 0;
        _retransmitDeadline = 0;
        if (_rto.BackoffCount > 0)
        {
            // Our SYN or SYN-ACK timed out; without an RTT sample data starts at 3 s (RFC 6298 5.7).
            _rto.UseSynTimeoutFallback();
        }
        else
        {
            _rto.ResetBackoff();
        }
        if (_keepAliveEnabled)
        {
            _keepAliveDeadline = _host.NowMicroseconds + _config.KeepAliveIdleMicroseconds;
        }
    }

    private void EnterTimeWait()
    {
        State = TcpState.TimeWait;
        _finished = true;
        _host.CancelTimer(this);
        _host.Statistics.ConnectionsClosed++;
        ITcpConnectionHandler? handler = Handler;
        _host.OnConnectionFinished(this, enterTimeWait: true);
        handler?.OnClosed(this, SocketError.Success);
    }

    private void Finish(SocketError error, bool notify)
    {
        if (_finished)
        {
            return;
        }
        _finished = true;
        Error = error;
        State = TcpState.Closed;
        _host.CancelTimer(this);
        _host.Statistics.ConnectionsClosed++;
        ITcpConnectionHandler? handler = notify ? Handler : null;
        _host.OnConnectionFinished(this, enterTimeWait: false);
        if (handler is not null)
        {
            if (error == SocketError.ConnectionRefused || (error == SocketError.TimedOut && !_passive && _sndUna == _iss))
            {
                handler.OnConnected(this, error);
            }
            else
            {
                handler.OnClosed(this, error);
            }
        }
    }

    /// <summary>Returns pooled memory; called by the engine when the object goes back to its pool.</summary>
    internal void ReleaseBuffers()
    {
        _send.Clear();
        _receive.Clear();
    }
}
