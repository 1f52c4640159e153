namespace Fastsocket.Tcp;

/// <summary>The outcome of <see cref="TimeWaitRules.OnSegment"/>.</summary>
internal readonly struct TimeWaitVerdict(TimeWaitAction action, in TcpReply reply, SeqNumber issFloor = default)
{
    /// <summary>What the engine is to do.</summary>
    public TimeWaitAction Action { get; } = action;

    /// <summary>The ACK to send (for Reply, ChallengeAck, Restart, and Reopen when no listener takes the SYN); none otherwise.</summary>
    public TcpReply Reply { get; } = reply;

    /// <summary>For <see cref="TimeWaitAction.Reopen"/>: the lowest ISS the new connection may use.</summary>
    public SeqNumber IssFloor { get; } = issFloor;
}
