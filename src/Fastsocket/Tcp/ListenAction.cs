namespace Fastsocket.Tcp;

/// <summary>What <see cref="ListenRules"/> decided for a segment that reached a listener.</summary>
internal enum ListenAction
{
    /// <summary>Nothing to do (a RST, or a segment with neither SYN nor ACK).</summary>
    Ignore,

    /// <summary>Send the verdict's reply (a reset for an ACK).</summary>
    Reply,

    /// <summary>Drop the SYN: the accept queue is full, or the half-open queue is and cookies are off (Linux semantics, so the client retries).</summary>
    DropQueueFull,

    /// <summary>Open a connection in SYN-RECEIVED for this SYN.</summary>
    Open,

    /// <summary>The half-open queue is full: answer with a SYN cookie SYN-ACK and keep no state (<see cref="SynCookieRules.SynAck"/>).</summary>
    SendCookie,

    /// <summary>An ACK while the listener is in cookie mode: it may complete a cookie handshake (<see cref="SynCookieRules.TryAccept"/>).</summary>
    CheckCookie,
}
