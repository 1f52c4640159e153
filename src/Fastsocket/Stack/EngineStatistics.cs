using Fastsocket.Tcp;

namespace Fastsocket.Stack;

/// <summary>
/// Counters of one engine: the TCP counters its connections write (<see cref="TcpStatistics"/>) and the engine's own.
/// Only the owning thread writes (plain increments, no atomics on the packet path); readers on other threads see
/// values that are at most a little stale.
/// </summary>
public sealed class EngineStatistics : TcpStatistics
{
    /// <summary>IP packets received from the device or a handoff ring.</summary>
    public long PacketsIn;

    /// <summary>IP packets transmitted.</summary>
    public long PacketsOut;

    /// <summary>Bytes of the IP packets received.</summary>
    public long BytesIn;

    /// <summary>Bytes of the IP packets transmitted.</summary>
    public long BytesOut;

    /// <summary>Passive connections that completed their handshake and went into an accept queue.</summary>
    public long ConnectionsAccepted;

    /// <summary>Connections that entered TIME-WAIT as a compact record.</summary>
    public long TimeWaitEntered;

    /// <summary>Connections that closed without TIME-WAIT because the table was full.</summary>
    public long TimeWaitOverflow;

    /// <summary>TIME-WAIT records cut short by an acceptable new SYN (RFC 6191).</summary>
    public long TimeWaitReused;

    /// <summary>ICMP echo replies sent.</summary>
    public long IcmpEchoReplies;

    /// <summary>Packets passed to another core by software Receive Flow Deliver.</summary>
    public long RfdHandoffs;

    /// <summary>SYNs taken by the global listener because the core had no local one.</summary>
    public long GlobalListenerFallbacks;

    /// <summary>Locks taken on shared tables and listeners (zero in the fastsocket design).</summary>
    public long LockAcquisitions;

    /// <summary>Connections refused at the engine's connection limit: SYNs dropped (also counted under DropReason.ConnectionLimit) and Connect calls failed with NoBufferSpaceAvailable.</summary>
    public long ConnectionLimitDrops;

    /// <summary>Exceptions caught on the engine thread.</summary>
    public long EngineFaults;

    /// <summary>SYN-ACKs sent with a SYN cookie as ISN, instead of a half-open connection (the half-open queue was full).</summary>
    public long SynCookiesSent;

    /// <summary>ACKs whose SYN cookie checked out: a connection was built from each and queued for Accept.</summary>
    public long SynCookiesValidated;

    /// <summary>ACKs to a listener in cookie mode whose cookie failed (also counted as <c>Drops[SynCookieRejected]</c>); no RST is sent.</summary>
    public long SynCookiesRejected;

    /// <summary>Resets for segments that match no connection (closed port, ACK to a listener) not sent: the engine's RST bucket was empty.</summary>
    public long RstRateLimited;

    /// <summary>ACKs of TIME-WAIT records (duplicate FIN, SYN, challenge ACK) not sent: the engine's TIME-WAIT ACK bucket was empty.</summary>
    public long TimeWaitAckRateLimited;

    /// <summary>ICMP echo replies not sent: the engine's ICMP bucket was empty.</summary>
    public long IcmpRateLimited;

    /// <summary>Adds every counter of this engine into <paramref name="total"/>.</summary>
    public void AddTo(EngineStatistics total)
    {
        ArgumentNullException.ThrowIfNull(total);
        AddTcpCountersTo(total);
        total.PacketsIn += PacketsIn;
        total.PacketsOut += PacketsOut;
        total.BytesIn += BytesIn;
        total.BytesOut += BytesOut;
        total.ConnectionsAccepted += ConnectionsAccepted;
        total.TimeWaitEntered += TimeWaitEntered;
        total.TimeWaitOverflow += TimeWaitOverflow;
        total.TimeWaitReused += TimeWaitReused;
        total.IcmpEchoReplies += IcmpEchoReplies;
        total.RfdHandoffs += RfdHandoffs;
        total.GlobalListenerFallbacks += GlobalListenerFallbacks;
        total.LockAcquisitions += LockAcquisitions;
        total.EngineFaults += EngineFaults;
        total.ConnectionLimitDrops += ConnectionLimitDrops;
        total.SynCookiesSent += SynCookiesSent;
        total.SynCookiesValidated += SynCookiesValidated;
        total.SynCookiesRejected += SynCookiesRejected;
        total.RstRateLimited += RstRateLimited;
        total.TimeWaitAckRateLimited += TimeWaitAckRateLimited;
        total.IcmpRateLimited += IcmpRateLimited;
    }
}
