namespace Fastsocket.Native.Sockets;

/// <summary>Where a socket is in its life, as the socket calls see it (the TCP state is the connection's).</summary>
internal enum SocketPhase
{
    /// <summary>Created, not bound.</summary>
    Open,

    /// <summary>Bound to a local address and port.</summary>
    Bound,

    /// <summary>Listening.</summary>
    Listening,

    /// <summary>An active open in progress, or a connection (accepted or connected).</summary>
    Connection,

    /// <summary>A connect that failed; the socket can only be closed (or connected again, as Linux allows).</summary>
    Failed,
}
