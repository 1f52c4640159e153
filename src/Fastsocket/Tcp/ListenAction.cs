namespace Fastsocket.Tcp;

/// <summary>What <see cref="ListenRules"/> decided for a segment that reached a listener.</summary>
internal enum ListenAction
{
    /// <summary>Nothing to do (a RST, or a segment with neither SYN nor ACK).</summary>
    Ignore,

    /// <summary>Send the verdict's reply (a reset for an ACK).</summary>
    Reply,

    /// <summary>Drop the SYN: the accept queue is full (Linux semantics, so the client retries).</summary>
    DropQueueFull,

    /// <summary>Open a connection in SYN-RECEIVED for this SYN.</summary>
    Open,
}
