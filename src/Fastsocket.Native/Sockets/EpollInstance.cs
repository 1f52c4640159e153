using Fastsocket.Native.Abi;
using static Fastsocket.Native.Abi.LinuxErrno;
using static Fastsocket.Native.Abi.LinuxSocketConstants;

namespace Fastsocket.Native.Sockets;

/// <summary>
/// An epoll instance over our sockets: the interest list, level- or edge-triggered (EPOLLET), one-shot (EPOLLONESHOT).
/// Readiness is the stack's (<see cref="NativeSocket.PollEvents"/>), never the kernel's view of the eventfds.
/// </summary>
internal sealed unsafe class EpollInstance
{
    private sealed class Interest
    {
        public required NativeSocket Socket;
        public uint Events;
        public ulong Data;
        public bool Disabled;
        public long ReportedGeneration = -1;
        public uint ReportedEvents;
    }

    private readonly Dictionary<int, Interest> _interests = new();

    /// <summary>An empty instance on descriptor <paramref name="fd"/>.</summary>
    public EpollInstance(int fd)
    {
        Fd = fd;
    }

    /// <summary>The instance's descriptor.</summary>
    public int Fd { get; }

    /// <summary>EPOLL_CTL_ADD of <paramref name="socket"/> under descriptor <paramref name="fd"/> (a socket may have several, after dup).</summary>
    public long Add(int fd, NativeSocket socket, uint events, ulong data)
    {
        if (_interests.ContainsKey(fd))
        {
            return -EEXIST;
        }
        _interests.Add(fd, new Interest { Socket = socket, Events = events, Data = data });
        return 0;
    }

    /// <summary>EPOLL_CTL_MOD of descriptor <paramref name="fd"/>.</summary>
    public long Modify(int fd, uint events, ulong data)
    {
        if (!_interests.TryGetValue(fd, out Interest? interest))
        {
            return -ENOENT;
        }
        if ((events & EPOLLEXCLUSIVE) != 0)
        {
            return -EINVAL;
        }
        interest.Events = events;
        interest.Data = data;
        interest.Disabled = false;
        interest.ReportedGeneration = -1;
        interest.ReportedEvents = 0;
        return 0;
    }

    /// <summary>EPOLL_CTL_DEL.</summary>
    public long Remove(int fd) => _interests.Remove(fd) ? 0 : -ENOENT;

    /// <summary>Drops a descriptor that was closed (the kernel removes a closed file from every epoll set).</summary>
    public void Forget(int fd) => _interests.Remove(fd);

    /// <summary>Fills up to <paramref name="max"/> ready events; returns how many.</summary>
    public int Collect(EpollEvent* events, int max)
    {
        int n = 0;
        foreach (Interest interest in _interests.Values)
        {
            if (n >= max)
            {
                break;
            }
            if (interest.Disabled)
            {
                continue;
            }
            uint ready = (uint)(ushort)interest.Socket.PollEvents() & (interest.Events | (uint)(POLLERR | POLLHUP));
            if (ready == 0)
            {
                interest.ReportedEvents = 0;
                continue;
            }
            if ((interest.Events & EPOLLET) != 0)
            {
                // Edge-triggered: report again only when the socket moved (new data, new space, new state).
                long generation = interest.Socket.EventGeneration;
                if (generation == interest.ReportedGeneration && (ready & ~interest.ReportedEvents) == 0)
                {
                    continue;
                }
                interest.ReportedGeneration = generation;
            }
            interest.ReportedEvents = ready;
            events[n].Events = ready;
            events[n].Data = interest.Data;
            n++;
            if ((interest.Events & EPOLLONESHOT) != 0)
            {
                interest.Disabled = true;
            }
        }
        return n;
    }
}
