using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// Counters of one engine. Only the owning thread writes (plain increments, no atomics on the packet path);
/// readers on other threads see values that are at most a little stale.
/// </summary>
public sealed class EngineStatistics
{
    public long PacketsIn;
    public long PacketsOut;
    public long BytesIn;
    public long BytesOut;
    public long SegmentsIn;
    public long SegmentsOut;
    public long Retransmissions;
    public long FastRetransmits;
    public long RetransmitTimeouts;
    public long ConnectionsOpened;
    public long ConnectionsAccepted;
    public long ConnectionsClosed;
    public long ConnectionsReset;
    public long ConnectionsTimedOut;
    public long ResetsSent;
    public long ChallengeAcksSent;
    public long TimeWaitEntered;
    public long TimeWaitOverflow;
    public long TimeWaitReused;
    public long IcmpEchoReplies;
    public long RfdHandoffs;
    public long GlobalListenerFallbacks;
    public long LockAcquisitions;
    public long EngineFaults;

    public DropCounters Drops { get; } = new();

    public void AddTo(EngineStatistics total)
    {
        ArgumentNullException.ThrowIfNull(total);
        total.PacketsIn += PacketsIn;
        total.PacketsOut += PacketsOut;
        total.BytesIn += BytesIn;
        total.BytesOut += BytesOut;
        total.SegmentsIn += SegmentsIn;
        total.SegmentsOut += SegmentsOut;
        total.Retransmissions += Retransmissions;
        total.FastRetransmits += FastRetransmits;
        total.RetransmitTimeouts += RetransmitTimeouts;
        total.ConnectionsOpened += ConnectionsOpened;
        total.ConnectionsAccepted += ConnectionsAccepted;
        total.ConnectionsClosed += ConnectionsClosed;
        total.ConnectionsReset += ConnectionsReset;
        total.ConnectionsTimedOut += ConnectionsTimedOut;
        total.ResetsSent += ResetsSent;
        total.ChallengeAcksSent += ChallengeAcksSent;
        total.TimeWaitEntered += TimeWaitEntered;
        total.TimeWaitOverflow += TimeWaitOverflow;
        total.TimeWaitReused += TimeWaitReused;
        total.IcmpEchoReplies += IcmpEchoReplies;
        total.RfdHandoffs += RfdHandoffs;
        total.GlobalListenerFallbacks += GlobalListenerFallbacks;
        total.LockAcquisitions += LockAcquisitions;
        total.EngineFaults += EngineFaults;
        Drops.AddTo(total.Drops);
    }
}
