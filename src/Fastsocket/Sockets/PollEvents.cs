namespace Fastsocket.Sockets;

/// <summary>Readiness a <see cref="SocketPoller"/> reports, as epoll's EPOLLIN/EPOLLOUT/EPOLLHUP/EPOLLERR.</summary>
[Flags]
public enum PollEvents
{
    None = 0,
    Readable = 1,
    Writable = 2,
    HangUp = 4,
    Error = 8,
}
