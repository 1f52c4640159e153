namespace Fastsocket.Tcp;

/// <summary>The outcome of <see cref="ListenRules"/>: an action and, for <see cref="ListenAction.Reply"/>, the segment to send.</summary>
internal readonly struct ListenVerdict(ListenAction action, in TcpReply reply)
{
    /// <summary>What the engine is to do.</summary>
    public ListenAction Action { get; } = action;

    /// <summary>The segment to send, for <see cref="ListenAction.Reply"/>; none otherwise.</summary>
    public TcpReply Reply { get; } = reply;
}
