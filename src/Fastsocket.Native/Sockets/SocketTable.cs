using System.Runtime.InteropServices;

namespace Fastsocket.Native.Sockets;

/// <summary>
/// Which file descriptors are ours, and the object behind each. Every socket and epoll instance owns a real
/// descriptor (an eventfd), so its number is unique in the process and libc calls on it (close at exit, dup, fcntl)
/// do something sane. Besides the managed objects the table keeps a byte per descriptor in native memory
/// (<see cref="OwnershipMap"/>): an LD_PRELOAD interposer in C reads it to decide "ours or libc's" without entering
/// managed code, which is what keeps the runtime's own calls to read, write, close and poll away from the stack.
/// </summary>
internal sealed unsafe class SocketTable : IDisposable
{
    /// <summary>Descriptors above this are never ours (socket() fails with EMFILE rather than grow the map).</summary>
    public const int Capacity = 1 << 16;

    private readonly object?[] _entries = new object?[Capacity];
    private readonly Dictionary<int, object> _live = new();
    private readonly List<EpollInstance> _epolls = new();
    private byte* _map;

    /// <summary>An empty table.</summary>
    public SocketTable()
    {
        _map = (byte*)NativeMemory.AllocZeroed(Capacity);
    }

    /// <summary>One byte per descriptor, 1 where the descriptor is ours; <see cref="Capacity"/> bytes; lives until disposal.</summary>
    public byte* OwnershipMap => _map;

    /// <summary>Registers <paramref name="entry"/> under <paramref name="fd"/>; false when the descriptor is out of range.</summary>
    public bool TryAdd(int fd, object entry)
    {
        if ((uint)fd >= Capacity)
        {
            return false;
        }
        _entries[fd] = entry;
        _live[fd] = entry;
        if (entry is EpollInstance epoll)
        {
            _epolls.Add(epoll);
        }
        Volatile.Write(ref _map[fd], 1);
        return true;
    }

    /// <summary>The socket behind <paramref name="fd"/>, or null when the descriptor is not one of our sockets.</summary>
    public NativeSocket? FindSocket(int fd) => (uint)fd < Capacity ? _entries[fd] as NativeSocket : null;

    /// <summary>The epoll instance behind <paramref name="fd"/>, or null.</summary>
    public EpollInstance? FindEpoll(int fd) => (uint)fd < Capacity ? _entries[fd] as EpollInstance : null;

    /// <summary>Whether <paramref name="fd"/> is one of ours.</summary>
    public bool Contains(int fd) => (uint)fd < Capacity && _entries[fd] is not null;

    /// <summary>Forgets <paramref name="fd"/>.</summary>
    public void Remove(int fd)
    {
        if ((uint)fd < Capacity)
        {
            Volatile.Write(ref _map[fd], 0);
            if (_entries[fd] is EpollInstance epoll)
            {
                _epolls.Remove(epoll);
            }
            _entries[fd] = null;
            _live.Remove(fd);
        }
    }

    /// <summary>Every entry still registered (a copy, so the caller may close them while walking it).</summary>
    public List<(int Fd, object Entry)> Snapshot()
    {
        var list = new List<(int, object)>(_live.Count);
        foreach (KeyValuePair<int, object> pair in _live)
        {
            list.Add((pair.Key, pair.Value));
        }
        return list;
    }

    /// <summary>The sockets registered (no copy: do not add or remove while walking it).</summary>
    public IEnumerable<NativeSocket> Sockets
    {
        get
        {
            foreach (object entry in _live.Values)
            {
                if (entry is NativeSocket socket)
                {
                    yield return socket;
                }
            }
        }
    }

    /// <summary>The epoll instances registered (no copy).</summary>
    public IReadOnlyList<EpollInstance> EpollInstances => _epolls;

    /// <summary>Frees the native map.</summary>
    public void Dispose()
    {
        if (_map is not null)
        {
            NativeMemory.Free(_map);
            _map = null;
        }
    }
}
