namespace Fastsocket.Tcp;

/// <summary>
/// The listening endpoint a passively opened connection came through, as the Tcp layer sees it. Tcp owns this
/// interface so that <see cref="TcpConnection"/> can hold a typed link to its listener while the listener itself
/// (with its accept queue and locking) lives in the engine layer above, which implements it.
/// </summary>
internal interface ITcpListener
{
    /// <summary>The local port the listener takes SYNs on.</summary>
    ushort Port { get; }

    /// <summary>The MSS its connections announce and send at most (TCP_MAXSEG on the listening socket); 0: the engine's.</summary>
    int MaxSegmentSize { get; }

    /// <summary>Whether the listener has stopped taking connections.</summary>
    bool IsClosed { get; }

    /// <summary>Counts connections in SYN-RECEIVED towards the backlog: +1 when one is opened, -1 when it leaves that state.</summary>
    void AddHalfOpen(int delta);
}
