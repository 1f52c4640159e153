using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// The counters a TCP connection writes. The engine's <c>EngineStatistics</c> extends this class with its own
/// counters, so a connection counts through its host without the Tcp layer knowing the engine. Only the owning
/// thread writes (plain increments, no atomics on the packet path); readers on other threads see values that are at
/// most a little stale.
/// </summary>
public class TcpStatistics
{
    /// <summary>TCP segments handed to a connection.</summary>
    public long SegmentsIn;

    /// <summary>TCP segments sent, by connections and by the engine's replies.</summary>
    public long SegmentsOut;

    /// <summary>Segments sent again: timeouts, fast retransmits, SACK repairs, handshake retries.</summary>
    public long Retransmissions;

    /// <summary>Fast retransmits entered on the third duplicate ACK (RFC 5681 3.2).</summary>
    public long FastRetransmits;

    /// <summary>Retransmission timer expiries (RFC 6298 5.4).</summary>
    public long RetransmitTimeouts;

    /// <summary>Congestion window reductions for ECN-Echo (RFC 3168 6.1.2): a router marked our data instead of dropping it.</summary>
    public long EcnReductions;

    /// <summary>Segments RACK (RFC 8985) marked lost by time: a segment sent later was delivered and the reordering window passed.</summary>
    public long RackLossDetections;

    /// <summary>Tail loss probes sent (RFC 8985 7): a segment sent when the probe timeout expired before the retransmission timer.</summary>
    public long TailLossProbes;

    /// <summary>
    /// Loss recoveries and timeouts undone because every retransmission of the episode proved unnecessary (DSACK, RFC
    /// 2883, or timestamps, RFC 3522): the congestion window and slow start threshold went back to their values before.
    /// </summary>
    public long SpuriousRetransmitUndos;

    /// <summary>Duplicate SACK blocks (RFC 2883) received: the peer got a segment twice.</summary>
    public long DuplicateSacksReceived;

    /// <summary>Active opens started (SYN sent).</summary>
    public long ConnectionsOpened;

    /// <summary>Connections that ended, for any reason.</summary>
    public long ConnectionsClosed;

    /// <summary>Connections ended by a reset from the peer.</summary>
    public long ConnectionsReset;

    /// <summary>Connections ended by retransmission, keepalive or FIN-WAIT-2 timeouts.</summary>
    public long ConnectionsTimedOut;

    /// <summary>Resets sent.</summary>
    public long ResetsSent;

    /// <summary>RFC 5961 challenge ACKs sent.</summary>
    public long ChallengeAcksSent;

    /// <summary>ICMP errors that changed a connection: path MTU lowered, connect failed, or soft error recorded.</summary>
    public long IcmpErrorsApplied;

    /// <summary>Of <see cref="IcmpErrorsApplied"/>, the path MTU reductions (RFC 1191).</summary>
    public long PathMtuLowered;

    /// <summary>Times the receive buffers of the engine's connections went over its receive memory budget.</summary>
    public long ReceiveMemoryPressureEvents;

    /// <summary>
    /// Challenge ACKs not sent because the connection's budget (<see cref="TcpConfig.ChallengeAcksPerSecond"/>) was
    /// spent. The segment that asked for one was processed (and, where it was dropped, counted under its own reason).
    /// </summary>
    public long ChallengeAckRateLimited;

    /// <summary>
    /// ACKs not sent in answer to an out-of-window or PAWS-failed segment without data, because the connection sent one
    /// less than <see cref="TcpConfig.InvalidAckIntervalMicroseconds"/> ago (Linux's per-socket tcp_invalid_ratelimit).
    /// </summary>
    public long OutOfWindowAckRateLimited;

    /// <summary>Packets dropped, by reason.</summary>
    public DropCounters Drops { get; } = new();

    /// <summary>Adds this object's TCP counters (drops included) into <paramref name="total"/>.</summary>
    protected void AddTcpCountersTo(TcpStatistics total)
    {
        ArgumentNullException.ThrowIfNull(total);
        total.SegmentsIn += SegmentsIn;
        total.SegmentsOut += SegmentsOut;
        total.Retransmissions += Retransmissions;
        total.FastRetransmits += FastRetransmits;
        total.RetransmitTimeouts += RetransmitTimeouts;
        total.RackLossDetections += RackLossDetections;
        total.EcnReductions += EcnReductions;
        total.TailLossProbes += TailLossProbes;
        total.SpuriousRetransmitUndos += SpuriousRetransmitUndos;
        total.DuplicateSacksReceived += DuplicateSacksReceived;
        total.ConnectionsOpened += ConnectionsOpened;
        total.ConnectionsClosed += ConnectionsClosed;
        total.ConnectionsReset += ConnectionsReset;
        total.ConnectionsTimedOut += ConnectionsTimedOut;
        total.ResetsSent += ResetsSent;
        total.ChallengeAcksSent += ChallengeAcksSent;
        total.IcmpErrorsApplied += IcmpErrorsApplied;
        total.PathMtuLowered += PathMtuLowered;
        total.ReceiveMemoryPressureEvents += ReceiveMemoryPressureEvents;
        total.ChallengeAckRateLimited += ChallengeAckRateLimited;
        total.OutOfWindowAckRateLimited += OutOfWindowAckRateLimited;
        Drops.AddTo(total.Drops);
    }
}
