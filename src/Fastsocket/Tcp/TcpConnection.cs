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
public sealed partial class TcpConnection : TimerEntry
{
    private const int IpHeaderRoom = IPv4Header.Length;
    private const int MaxWindowShift = 14;

    /// <summary>Most in-order segments one batch may leave unacknowledged before an ACK goes out at once.</summary>
    private const int AckCoalesceLimit = 16;

    private ITcpHost _host = null!;
    private TcpConfig _config = null!;

    // The engine's counters and memory budget, read through the host once per connection: every segment touches
    // them, and an interface call each time was a measurable share of a short connection's cost.
    private TcpStatistics _statistics = null!;
    private ReceiveMemoryBudget _receiveMemory = null!;

    // The sequence spaces of RFC 9293 3.3.1, used in place (never copied) on the hot path.
    private SendSequenceSpace _snd;
    private ReceiveSequenceSpace _rcv;

    // Options agreed in the handshake (RFC 7323, RFC 2018) and the segment sizes.
    private bool _windowScaling;
    private bool _timestamps;
    private bool _sack;
    private uint _tsRecent;
    private uint _tsOffset;
    private int _sendMss;
    private int _advertisedMss;

    private readonly SendBuffer _send = new(1);
    private ReceiveBuffer _receive = new(1);
    // A struct held in place: every call below mutates this field, never a copy (so the field is not readonly).
    private RtoEstimator _rto = new();
    // SACK connections: every segment in flight with its transmit time and marks, and RACK's newest delivery.
    private readonly SentSegmentLog _sent = new();
    private RackState _rack;
    // One controller object per algorithm, made once per pooled connection, so choosing one allocates nothing
    // per connection. The per-ACK call goes through the interface: the connection benchmark showed no difference
    // beyond noise (the JIT's guarded devirtualization covers the one hot type), so no enum switch here.
    private readonly CubicCongestionControl _cubic = new(536);
    private NewRenoCongestionControl? _newReno;
    private ICongestionControl _congestion = null!;

    // Closing: our FIN and the peer's.
    private bool _finRequested;
    private SeqNumber _finSeq;
    private bool _peerFinPending;
    private SeqNumber _peerFinSeq;
    private bool _peerFinReceived;

    // RTT timing without timestamps (one timed segment at a time, Karn's rule) and retransmission count.
    private bool _rttTiming;
    private SeqNumber _rttSeq;
    private long _rttStart;
    private int _retries;

    // Timer deadlines (0 when not armed); one wheel entry serves all of them.
    private long _retransmitDeadline;
    private bool _persisting;
    private long _delayedAckDeadline;
    private long _keepAliveDeadline;
    private long _finWait2Deadline;
    private long _windowUpdateDeadline;
    private long _reorderDeadline;
    private long _probeDeadline;
    private bool _probeOutstanding;
    private bool _probeRearm;

    // Proportional Rate Reduction (RFC 6937) during a recovery episode.
    private long _prrDelivered;
    private long _prrOut;
    private long _recoverFlightSize;
    private bool _rescueSent;

    // Undo of a spurious reduction (RFC 3522 Eifel with timestamps, RFC 2883 DSACK): the values before it.
    private bool _undoArmed;
    private int _undoCwnd;
    private int _undoSsthresh;
    private int _undoRetransmissions;
    private uint _undoTsVal;
    private SeqNumber _undoLow;
    private SeqNumber _undoHigh;

    // Quick-ACK mode (Linux's icsk_ack.quick): segments still to acknowledge at once, and whether the exchange is interactive.
    private int _quickAcks;

    // The quick ACK of a connection's first data waits for the end of the engine's turn, so that a reply the
    // application writes in that turn carries it; the engine sends it then if nothing did (SendAckAwaitingReply).
    private bool _ackAwaitsReply;

    // ECN (RFC 3168): agreed in the handshake; echoing a CE mark until the peer's CWR; a reduction made (until
    // SND.UNA passes _ecnRecover, ECE means the same event), its CWR still to send, and whether the recovery episode
    // under way is that reduction (nothing lost, so nothing to resend).
    private bool _ecn;
    private bool _ecnEchoing;
    private bool _ecnReduced;
    private SeqNumber _ecnRecover;
    private bool _ecnCwrPending;
    private bool _ecnEpisode;

    // A duplicate segment received, to report in the next ACK's first SACK block (RFC 2883).
    private bool _dsackPending;
    private SeqNumber _dsackStart;
    private SeqNumber _dsackEnd;
    private bool _interactive;
    private int _windowUpdateRetries;
    private int _keepAliveProbesSent;
    private int _probesUnanswered;
    private long _lastReceiveTime;

    // PSH placement within a burst: segments left in the current chunk, and the chunk's size.
    private int _chunkSegmentsLeft;
    private int _chunkSegments;

    // ACK policy for the current batch.
    private bool _ackNow;
    private bool _ackDelayed;
    private int _segmentsSinceAck;
    private bool _flushQueued;

    // RFC 5961 challenge ACK rate limit.
    private long _challengeWindowStart;
    private int _challengeAcksInWindow;

    private bool _passive;
    private bool _applicationReleased;
    private bool _finished;

    /// <summary>The 4-tuple, local side first.</summary>
    public FlowKey Key { get; private set; }

    /// <summary>The core that owns this connection: only its engine thread may touch it.</summary>
    public int CoreId => _host.CoreId;

    /// <summary>The engine that owns this connection.</summary>
    internal ITcpHost Host => _host;

    /// <summary>The RFC 9293 state.</summary>
    public TcpState State { get; private set; }

    /// <summary>Bumped each time the pooled object is reused.</summary>
    public int Generation { get; private set; }

    /// <summary>The application side, told of connects, readable and writable data, and the end.</summary>
    public ITcpConnectionHandler? Handler { get; set; }

    /// <summary>Free slot for the layer above (the socket that wraps this connection).</summary>
    public object? UserState { get; set; }

    /// <summary>Why the connection ended, once it has.</summary>
    public SocketError Error { get; private set; }

    /// <summary>
    /// The DSCP bits (RFC 2474) of the traffic-class byte of every segment the connection sends: the IPv4 TOS byte,
    /// the IPv6 traffic class (Linux's IP_TOS and IPV6_TCLASS). The lower two bits are the ECN field of RFC 3168,
    /// which the stack sets itself: what is written there is ignored, as Linux does for TCP sockets.
    /// </summary>
    public byte TrafficClass
    {
        get => _trafficClass;
        set => _trafficClass = (byte)(value & ~EcnCodepoint.Mask);
    }

    private byte _trafficClass;

    /// <summary>
    /// Path MTU discovery (RFC 1191): DF set on every segment, as by default. False sends without DF, as Linux's
    /// IP_PMTUDISC_DONT.
    /// </summary>
    public bool PathMtuDiscovery { get; set; } = true;

    /// <summary>
    /// Bytes the send buffer holds, written but unacknowledged data included (SO_SNDBUF, in payload bytes; with
    /// <see cref="TcpConfig.LinuxSendBufferAccounting"/>, in Linux's charged bytes). Setting it on an open connection
    /// resizes the buffer from now on; it never shrinks below what the buffer already holds.
    /// </summary>
    public int SendBufferSize
    {
        get => SendLimit;
        set => SendLimit = value;
    }

    /// <summary>Disables Nagle's algorithm (TCP_NODELAY).</summary>
    public bool NoDelay { get; set; }

    /// <summary>
    /// The congestion control of this connection (Linux's TCP_CONGESTION socket option); new connections take
    /// <see cref="TcpConfig.CongestionControl"/>. Changing it starts the new algorithm from the initial window,
    /// so set it before data flows. Only one controller object per algorithm is ever made per pooled connection.
    /// </summary>
    public CongestionControlAlgorithm CongestionControl
    {
        get => _newReno is not null && ReferenceEquals(_congestion, _newReno) ? CongestionControlAlgorithm.NewReno : CongestionControlAlgorithm.Cubic;
        set
        {
            if (value == CongestionControl)
            {
                return;
            }
            SelectCongestionControl(value);
            _congestion.Reset(_host is null ? 536 : PayloadPerSegment);
        }
    }

    private void SelectCongestionControl(CongestionControlAlgorithm algorithm)
    {
        _congestion = algorithm == CongestionControlAlgorithm.NewReno ? _newReno ??= new NewRenoCongestionControl(536) : _cubic;
    }

    /// <summary>Sends keepalive probes when the connection is idle (SO_KEEPALIVE).</summary>
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

    /// <summary>The largest segment we send, options included (the peer's MSS, bounded by ours).</summary>
    public int SendMss => _sendMss;

    /// <summary>The congestion window, in bytes.</summary>
    public int CongestionWindow => _congestion.Cwnd;

    /// <summary>SND.WND: the peer's window, in bytes.</summary>
    public int SendWindow => _snd.Wnd;

    /// <summary>Whether both sides agreed to window scaling.</summary>
    public bool WindowScalingEnabled => _windowScaling;

    /// <summary>Whether both sides agreed to timestamps.</summary>
    public bool TimestampsEnabled => _timestamps;

    /// <summary>Whether both sides agreed to SACK.</summary>
    public bool SackEnabled => _sack;

    /// <summary>SRTT, in microseconds.</summary>
    public long SmoothedRttMicroseconds => _rto.SmoothedRtt;

    /// <summary>The current retransmission timeout, in microseconds.</summary>
    public long RetransmissionTimeoutMicroseconds => _rto.CurrentRto;

    /// <summary>Bytes readable now.</summary>
    public int Readable => _receive.Readable;

    /// <summary>Bytes a <see cref="Write"/> would take now (the free space in the send buffer).</summary>
    public int Writable => _finRequested ? 0 : SendRoom;

    /// <summary>Bytes written but not yet acknowledged.</summary>
    public int Unacknowledged => _send.Count;

    /// <summary>The peer has closed its side and every byte has been read: Read returns 0 from now on.</summary>
    public bool ReceiveCompleted => _peerFinReceived && _receive.Readable == 0;

    /// <summary>Whether the handshake is done and the connection not yet finished (RFC 9293's synchronized states).</summary>
    public bool IsSynchronized => State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2
        or TcpState.CloseWait or TcpState.Closing or TcpState.LastAck;

    /// <summary>Whether data can still flow to us and from us, or from us after the peer's FIN.</summary>
    public bool IsConnected => State is TcpState.Established or TcpState.CloseWait;

    internal SeqNumber SendNext => _snd.Nxt;

    internal SeqNumber SendUnacknowledged => _snd.Una;

    internal SeqNumber ReceiveNext => _rcv.Nxt;

    internal SeqNumber InitialSendSequence => _snd.Iss;

    internal uint TsRecent => _tsRecent;

    /// <summary>The window field of our last segment (RCV.WND scaled down), for the TIME-WAIT record's ACKs.</summary>
    internal ushort AdvertisedWindowField => (ushort)Math.Min(ReceiveWindow >> _rcv.Shift, ushort.MaxValue);

    internal int ReceiveWindowShift => _rcv.Shift;

    internal uint TimestampOffset => _tsOffset;

    /// <summary>Sits in a listener's accept queue (established, not yet accepted).</summary>
    internal bool Queued { get; set; }

    /// <summary>The descriptor the engine's socket layer holds for the connection while the application has it; -1 when none.</summary>
    internal int HostDescriptor { get; set; } = -1;

    internal bool ApplicationReleased => _applicationReleased;

    internal bool Finished => _finished;

    /// <summary>Current timestamp clock value for this connection (RFC 7323: 1 ms ticks with a per-connection offset).</summary>
    internal uint TimestampNow => (uint)(_host.NowMicroseconds / 1000) + _tsOffset;

    internal int SendBufferCapacity
    {
        get => SendLimit;
        set => SendLimit = value;
    }

    internal int ReceiveBufferCapacity => _receive.Capacity;

    private void Initialize(ITcpHost host, in FlowKey key, SeqNumber iss, int sendBuffer, int receiveBuffer)
    {
        _host = host;
        _config = host.Config;
        _statistics = host.Statistics;
        _receiveMemory = host.ReceiveMemory;
        Key = key;
        Generation++;
        Error = SocketError.Success;
        _snd.Iss = iss;
        _snd.Una = iss;
        _snd.Nxt = iss + 1;
        _snd.Max = iss + 1;
        _snd.Wnd = 0;
        _snd.MaxWnd = 0;
        _snd.Shift = 0;
        _snd.Wl1 = default;
        _snd.Wl2 = default;
        _rcv.Irs = default;
        _rcv.Nxt = default;
        _rcv.AdvertisedEdge = default;
        _rcv.LastAckSent = default;
        _windowScaling = false;
        _timestamps = false;
        _sack = false;
        _tsRecent = 0;
        _tsOffset = host.TimestampOffset(key);
        ResetIcmpState();
        ResetSendMemory(host, sendBuffer);
        _receive.Clear();
        if (_receive.Capacity != receiveBuffer)
        {
            _receive = new ReceiveBuffer(Math.Max(1, receiveBuffer), _config.MaxOutOfOrderRanges);
        }
        _receive.Pool = host.BufferPool;
        _rcv.Shift = 0;
        if (_config.WindowScaling)
        {
            while (_rcv.Shift < MaxWindowShift && (receiveBuffer >> _rcv.Shift) > ushort.MaxValue)
            {
                _rcv.Shift++;
            }
        }
        _advertisedMss = Math.Min(_config.MaxSegmentSize, host.MaxTcpSegmentLength(key.LocalAddress) - TcpHeader.MinLength);
        _sendMss = Math.Max(Math.Min(536, _advertisedMss), 1);
        _rto.Reset(_config.MinRtoMicroseconds, _config.MaxRtoMicroseconds);
        _rto.MinRtoBoundsVariance = _config.MinRtoBoundsVariance;
        _sent.ForgetAll();
        _rack.Reset();
        _reorderDeadline = 0;
        _probeDeadline = 0;
        _probeOutstanding = false;
        _probeRearm = false;
        _prrDelivered = 0;
        _prrOut = 0;
        _recoverFlightSize = 0;
        _rescueSent = false;
        _undoArmed = false;
        _undoRetransmissions = 0;
        _quickAcks = 0;
        _ackAwaitsReply = false;
        _interactive = false;
        _trafficClass = 0;
        PathMtuDiscovery = true;
        _ecn = false;
        _ecnEchoing = false;
        _ecnReduced = false;
        _ecnRecover = default;
        _ecnCwrPending = false;
        _ecnEpisode = false;
        _dsackPending = false;
        _cubic.HyStartEnabled = _config.HyStart;
        SelectCongestionControl(_config.CongestionControl);
        _congestion.Reset(_sendMss);
        ResetCongestionTracking();
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
        _probesUnanswered = 0;
        _lastReceiveTime = host.NowMicroseconds;
        _ackNow = false;
        _ackDelayed = false;
        _segmentsSinceAck = 0;
        _flushQueued = false;
        _challengeWindowStart = 0;
        _challengeAcksInWindow = 0;
        ResetInvalidAckLimit();
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
    internal void OpenActive(ITcpHost host, in FlowKey key, SeqNumber iss, ITcpConnectionHandler? handler, int sendBuffer, int receiveBuffer,
        int maxSegmentSize = 0)
    {
        Initialize(host, key, iss, sendBuffer, receiveBuffer);
        if (maxSegmentSize > 0)
        {
            // TCP_MAXSEG set before connect caps the MSS the SYN announces and, through it, the one we send.
            _advertisedMss = Math.Min(_advertisedMss, maxSegmentSize);
            _sendMss = Math.Max(Math.Min(536, _advertisedMss), 1);
        }
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
        if (listener.MaxSegmentSize > 0)
        {
            // TCP_MAXSEG on the listener caps the MSS we announce and, through it, the one we send (Linux's user_mss).
            _advertisedMss = Math.Min(_advertisedMss, listener.MaxSegmentSize);
        }
        AcceptPeerSynOptions(syn);
        SendSyn();
    }

    private void AcceptPeerSynOptions(in IncomingSegment syn)
    {
        _rcv.Irs = syn.Seq;
        _rcv.Nxt = syn.Seq + 1;
        _rcv.AdvertisedEdge = _rcv.Nxt;
        _windowScaling = _config.WindowScaling && syn.Options.HasWindowScale;
        if (_windowScaling)
        {
            // RFC 7323 2.3: a shift above 14 is treated as 14.
            _snd.Shift = Math.Min((int)syn.Options.WindowScale, MaxWindowShift);
        }
        else
        {
            _snd.Shift = 0;
            _rcv.Shift = 0;
        }
        _timestamps = _config.Timestamps && syn.Options.HasTimestamps;
        if (_timestamps)
        {
            _tsRecent = syn.Options.TsVal;
        }
        _sack = _config.SackPermitted && syn.Options.SackPermitted;
        NegotiateEcn(syn, weAsked: State == TcpState.SynSent);
        // RFC 9293 3.7.1: without the option, assume 536. The floor keeps a tiny advertised MSS from fragmenting our sends.
        int peerMss = syn.Options.HasMss ? syn.Options.Mss : 536;
        _sendMss = ClampToPathMtu(Math.Max(Math.Min(peerMss, _advertisedMss), Math.Min(_config.MinSendSegmentSize, _advertisedMss)));
        _congestion.Reset(PayloadPerSegment);
        // The window in a SYN is never scaled (RFC 7323 2.2).
        _snd.Wnd = syn.Window;
        _snd.MaxWnd = _snd.Wnd;
        _snd.Wl1 = syn.Seq;
        _snd.Wl2 = _snd.Una;
    }

    /// <summary>Payload bytes that fit in one segment once per-segment options are accounted for.</summary>
    private int PayloadPerSegment => _sendMss - (_timestamps ? 12 : 0);

    /// <summary>Copies readable bytes out; returns 0 when nothing is readable (see <see cref="ReceiveCompleted"/> for end of stream).</summary>
    public int Read(Span<byte> destination)
    {
        int n = _receive.Read(destination);
        if (n > 0)
        {
            ChargeReceiveMemory();
        }
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
        int n = QueueForSending(data);
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
        _host.OnApplicationClosed(this);
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
            SendControl(_snd.Nxt, TcpFlags.Rst | TcpFlags.Ack);
            _statistics.ResetsSent++;
        }
        Finish(SocketError.ConnectionAborted, notify: false);
    }

    private void EnterEstablished()
    {
        State = TcpState.Established;
        _retries = 0;
        _quickAcks = _config.QuickAcks;
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
        // The connection becomes a compact record now, and a record sends nothing of its own: an ACK still owed (of the
        // peer's FIN, perhaps taken earlier in this same batch, in CLOSING, before the ACK of ours) leaves now or never.
        if (_ackNow || _ackDelayed)
        {
            SendControl(_snd.Nxt, TcpFlags.Ack);
            _ackNow = false;
            _ackDelayed = false;
        }
        State = TcpState.TimeWait;
        _finished = true;
        _host.CancelTimer(this);
        _statistics.ConnectionsClosed++;
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
        _statistics.ConnectionsClosed++;
        ITcpConnectionHandler? handler = notify ? Handler : null;
        _host.OnConnectionFinished(this, enterTimeWait: false);
        if (handler is not null)
        {
            // A connect that never completed (our SYN unacknowledged) fails through OnConnected: refused, timed out,
            // or an ICMP error (unreachable network, host or port).
            if (error == SocketError.ConnectionRefused || (error != SocketError.Success && !_passive && _snd.Una == _snd.Iss))
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
        UnchargeReceiveMemory();
        ClearSendMemory();
        _receive.Clear();
        _sent.Clear();
    }
}
