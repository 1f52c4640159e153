namespace Fastsocket.Tcp;

/// <summary>Tunables of the TCP engine. Defaults follow Linux where it and the RFCs leave a choice, so that users see familiar behaviour.</summary>
public sealed class TcpConfig
{
    /// <summary>MSS we advertise is derived from the device MTU; this caps it.</summary>
    public int MaxSegmentSize { get; set; } = 65495;

    /// <summary>
    /// Floor for the MSS we send with. RFC 9293 3.7.1 and RFC 1122 3.3.3 oblige every IPv4 host to accept 576-byte
    /// datagrams, so 536 bytes of payload is always deliverable; a peer advertising less cannot push us into
    /// floods of tiny segments (the resource attack behind CVE-2019-11479).
    /// </summary>
    public int MinSendSegmentSize { get; set; } = 536;

    /// <summary>Default send buffer size (SO_SNDBUF), in bytes.</summary>
    public int SendBufferSize { get; set; } = 256 * 1024;

    /// <summary>
    /// Counts SO_SNDBUF as Linux does (<see cref="SendMemoryLedger"/>): against the payload plus a fixed cost per socket
    /// buffer of up to a size goal of payload, a writer filling each buffer it starts and waking when the free room is
    /// half the charge. Off, SO_SNDBUF is the payload bytes the buffer holds. The C ABI turns it on, because programs
    /// and packetdrill scripts written against Linux size and wait on SO_SNDBUF that way.
    /// </summary>
    public bool LinuxSendBufferAccounting { get; set; }

    /// <summary>Default receive buffer size (SO_RCVBUF), in bytes.</summary>
    public int ReceiveBufferSize { get; set; } = 256 * 1024;

    /// <summary>Offer window scaling (RFC 7323).</summary>
    public bool WindowScaling { get; set; } = true;

    /// <summary>Offer timestamps (RFC 7323).</summary>
    public bool Timestamps { get; set; } = true;

    /// <summary>Offer SACK (RFC 2018).</summary>
    public bool SackPermitted { get; set; } = true;

    /// <summary>RFC 6298 2.4 says 1 s; Linux uses 200 ms, and so do we, because users compare us with Linux.</summary>
    public long MinRtoMicroseconds { get; set; } = 200_000;

    /// <summary>Upper bound of the retransmission timeout (RFC 6298 2.5).</summary>
    public long MaxRtoMicroseconds { get; set; } = 120_000_000;

    /// <summary>Retransmissions of data before giving up with TimedOut (Linux tcp_retries2).</summary>
    public int MaxDataRetransmissions { get; set; } = 15;

    /// <summary>SYN and SYN-ACK retransmissions before giving up (Linux tcp_syn_retries / tcp_synack_retries).</summary>
    public int MaxSynRetransmissions { get; set; } = 6;

    /// <summary>Delayed-ACK timeout: RFC 5681 4.2 requires under 500 ms; Linux uses 40 ms at minimum.</summary>
    public long DelayedAckMicroseconds { get; set; } = 40_000;

    /// <summary>
    /// Segments acknowledged at once, without the delayed-ACK wait, at connection start and after out-of-order data
    /// (Linux's quick-ACK mode, TCP_MAX_QUICKACKS = 16), unless the exchange is interactive (replies carry the ACKs).
    /// RFC 5681 4.2 only asks for an ACK every second full segment; quick ACKs let a new sender's window and a
    /// recovering sender's repair proceed without 40 ms stalls. 0 delays from the first segment.
    /// </summary>
    public int QuickAcks { get; set; } = 16;

    /// <summary>2MSL: how long a TIME-WAIT record lives. Linux hard-codes 60 s; RFC 9293 suggests MSL = 2 min.</summary>
    public long TimeWaitMicroseconds { get; set; } = 60_000_000;

    /// <summary>Cap on TIME-WAIT records per engine, as Linux's tcp_max_tw_buckets.</summary>
    public int MaxTimeWaitRecords { get; set; } = 262_144;

    /// <summary>How long an orphaned connection waits in FIN-WAIT-2 (Linux's tcp_fin_timeout).</summary>
    public long FinWait2TimeoutMicroseconds { get; set; } = 60_000_000;

    /// <summary>Idle time before the first keepalive probe.</summary>
    public long KeepAliveIdleMicroseconds { get; set; } = 7_200_000_000;

    /// <summary>Time between keepalive probes.</summary>
    public long KeepAliveIntervalMicroseconds { get; set; } = 75_000_000;

    /// <summary>Unanswered keepalive probes before the connection times out.</summary>
    public int KeepAliveProbes { get; set; } = 9;

    /// <summary>RFC 5961 challenge ACKs allowed per connection per second (per connection, not global: the global Linux limit was a side channel, CVE-2016-5696).</summary>
    public int ChallengeAcksPerSecond { get; set; } = 10;

    /// <summary>
    /// Least time between two ACKs a connection sends in answer to segments without data that fall outside the window
    /// or fail PAWS (Linux's per-socket tcp_invalid_ratelimit, 500 ms): two endpoints that disagree about the window
    /// would otherwise ACK each other in a loop, and a blind attacker could make us ACK at line rate. Segments that
    /// carry data are always answered (a retransmission needs its duplicate ACK), as in Linux.
    /// </summary>
    public long InvalidAckIntervalMicroseconds { get; set; } = 500_000;

    /// <summary>
    /// SYN cookies (RFC 4987 3.6) when a listener's half-open queue is full, as Linux's tcp_syncookies=1: the SYN is
    /// answered without keeping state and the connection is built from the returning ACK. Off: such SYNs are dropped.
    /// </summary>
    public bool SynCookies { get; set; } = true;

    /// <summary>Resets per second each engine sends for segments that match no connection (closed ports, ACKs to a listener).</summary>
    public int ResetsPerSecond { get; set; } = 1000;

    /// <summary>Most resets each engine sends at once for segments that match no connection before <see cref="ResetsPerSecond"/> paces them.</summary>
    public int ResetBurst { get; set; } = 1000;

    /// <summary>ACKs per second each engine sends on behalf of TIME-WAIT records (duplicate FINs, SYNs, challenge ACKs).</summary>
    public int TimeWaitAcksPerSecond { get; set; } = 1000;

    /// <summary>Most TIME-WAIT ACKs each engine sends at once before <see cref="TimeWaitAcksPerSecond"/> paces them.</summary>
    public int TimeWaitAckBurst { get; set; } = 100;

    /// <summary>Largest number of distinct out-of-order ranges held per connection (bounds reassembly memory and work).</summary>
    public int MaxOutOfOrderRanges { get; set; } = 32;

    /// <summary>Default for new connections: disable Nagle (RFC 896) when true.</summary>
    public bool NoDelay { get; set; }

    /// <summary>Congestion control for new connections (Linux's net.ipv4.tcp_congestion_control); CUBIC by default, as Linux.</summary>
    public CongestionControlAlgorithm CongestionControl { get; set; } = CongestionControlAlgorithm.Cubic;

    /// <summary>Whether CUBIC ends its first slow start by HyStart++ (RFC 9406) rather than only on loss.</summary>
    public bool HyStart { get; set; } = true;

    /// <summary>
    /// Explicit Congestion Notification (RFC 3168) for new connections, as Linux's net.ipv4.tcp_ecn: accepted when a
    /// peer asks for it but not asked for, by default, as Linux.
    /// </summary>
    public EcnMode Ecn { get; set; } = EcnMode.AcceptOnly;

    /// <summary>
    /// Fewest segments in one of the bursts output is marked in (Linux's tcp_min_tso_segs, 2): Linux hands its device
    /// data in chunks of about a millisecond at the pacing rate, at least this many segments and at most half the
    /// congestion window, and the last segment of each chunk carries PSH. The stack sends segment by segment but
    /// places PSH the same way, since peers and packetdrill's scripts see it.
    /// </summary>
    public int MinSegmentsPerChunk { get; set; } = 2;

    /// <summary>
    /// Whether a connection that sent nothing for longer than an RTO, with nothing in flight, restarts from the
    /// initial window (RFC 5681 section 4.1; Linux's net.ipv4.tcp_slow_start_after_idle, on by default).
    /// </summary>
    public bool SlowStartAfterIdle { get; set; } = true;

    /// <summary>
    /// Whether a zero-window probe carries one byte of new data (RFC 9293 3.8.6.1, as <see cref="TcpProfile.Rfc"/>
    /// sets) rather than Linux's empty segment at SND.UNA - 1 (tcp_xmit_probe_skb, the default), which the peer
    /// answers with an ACK showing its window without a byte to drop while the window stays closed.
    /// </summary>
    public bool ZeroWindowProbeSendsData { get; set; }

    /// <summary>
    /// Whether the minimum RTO bounds RTTVAR's term of the RTO rather than the whole RTO, as Linux computes it (SRTT +
    /// max(4 * RTTVAR, <see cref="MinRtoMicroseconds"/>)); on by default, off in <see cref="TcpProfile.Rfc"/>, which
    /// follows RFC 6298 2.3 and 2.4.
    /// </summary>
    public bool MinRtoBoundsVariance { get; set; } = true;

    /// <summary>
    /// The most cwnd grows per ACK in slow start, in segments (RFC 3465's L); 0 for no limit. The default 0 is Linux's
    /// tcp_slow_start, which grows cwnd by every segment an ACK newly acknowledges, so a receiver that ACKs every
    /// second segment still doubles cwnd each round trip; <see cref="TcpProfile.Rfc"/> sets 1, RFC 5681 section 3.1's
    /// "at most SMSS bytes for each ACK".
    /// </summary>
    public int SlowStartGrowthLimit { get; set; }

    /// <summary>
    /// Whether a RST one below RCV.NXT resets a connection whose peer's FIN is in (CLOSE-WAIT, LAST-ACK, CLOSING), as
    /// Linux's tcp_reset_check does; on by default, off in <see cref="TcpProfile.Rfc"/>, where RFC 5961 3.2 resets only
    /// on an exact RCV.NXT. A peer that closes and then gets data it will not read (a client that gave up on its
    /// request) resets with the sequence number its last ACK from us acknowledged, which its FIN has since passed; the
    /// strict rule drops that RST and keeps the connection until our FIN draws a second one. A blind attacker gains one
    /// more exact value to hit (two in 2^32 instead of one), and only after the peer's FIN.
    /// </summary>
    public bool AcceptResetBeforePeerFin { get; set; } = true;

    /// <summary>A copy that can be changed without touching this one.</summary>
    public TcpConfig Clone() => (TcpConfig)MemberwiseClone();
}
