namespace Fastsocket.Sockets;

/// <summary>Readiness a <see cref="SocketPoller"/> reports, as epoll's EPOLLIN/EPOLLOUT/EPOLLHUP/EPOLLERR.</summary>
[Flags]
public enum PollEvents
{
    /// <summary>Nothing to report.</summary>
    None = 0,
    /// <summary>A receive would not wait: data is queued, the peer has closed (a read returns 0), or a listener has a connection to accept.</summary>
    Readable = 1,
    /// <summary>The connection is established and its send buffer has room.</summary>
    Writable = 2,
    /// <summary>The connection is finished or the socket disposed; always reported, whatever the interest set.</summary>
    HangUp = 4,
    /// <summary>The connection ended with an error (reset, timeout); a receive throws it. Always reported, whatever the interest set.</summary>
    Error = 8,
}
