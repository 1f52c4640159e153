using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// A listening endpoint: the half-open count and the accept queue of established connections (an intrusive FIFO
/// through <see cref="TcpConnection.NextInQueue"/>, so queueing allocates nothing).
/// A local listener belongs to one core and is touched only by it, without locks. A shared one (the global fallback
/// listener, the single listener of <c>base</c>, the per-core listeners of <c>reuseport</c> that other cores feed)
/// takes a lock on every queue operation, and each acquisition is counted.
/// </summary>
public sealed class Listener : ITcpListener
{
    private readonly Lock _lock = new();
    private TcpConnection? _head;
    private TcpConnection? _tail;
    private int _queued;
    private int _halfOpen;

    internal Listener(IpAddress localAddress, ushort port, int backlog, int core, bool shared)
    {
        LocalAddress = localAddress;
        Port = port;
        Backlog = Math.Max(1, backlog);
        Core = core;
        Shared = shared;
    }

    /// <summary>The bound address; <see cref="IpAddress.None"/> means any address of the engine.</summary>
    public IpAddress LocalAddress { get; }

    /// <summary>The local port.</summary>
    public ushort Port { get; }

    /// <summary>
    /// The largest MSS the connections it accepts announce and send (TCP_MAXSEG set on the listening socket, as Linux's
    /// user_mss); 0 (the default) leaves the engine's MSS.
    /// </summary>
    public int MaxSegmentSize { get; set; }

    /// <summary>The accept queue's limit (listen(2)'s backlog).</summary>
    public int Backlog { get; }

    /// <summary>The core whose local table holds this listener, or -1 for a stack-wide listener.</summary>
    public int Core { get; }

    /// <summary>Whether several cores touch this listener (so it locks).</summary>
    public bool Shared { get; }

    /// <summary>Told when a connection becomes acceptable.</summary>
    public IListenerHandler? Handler { get; set; }

    /// <summary>Connections established and waiting for Accept.</summary>
    public int QueuedCount => Volatile.Read(ref _queued);

    /// <summary>Connections in SYN-RECEIVED.</summary>
    public int HalfOpenCount => Volatile.Read(ref _halfOpen);

    /// <summary>Whether the listener has stopped taking connections.</summary>
    public bool IsClosed { get; internal set; }

    /// <summary>
    /// Where connections still completing their handshake on a closed local listener go instead: the global
    /// listener, so that closing one core's acceptor loses nothing that was already on its way.
    /// </summary>
    internal Listener? Redirect { get; set; }

    /// <summary>
    /// The accept queue is full: a SYN is dropped (even with SYN cookies, as Linux), so the client retries later
    /// rather than being refused, and a cookie ACK is dropped too (the client retransmits it).
    /// </summary>
    internal bool AcceptQueueFull => QueuedCount >= Backlog;

    /// <summary>
    /// The half-open (SYN) queue is full: connections in SYN-RECEIVED plus those waiting for Accept reach the backlog
    /// and half again. Past it a SYN is answered with a SYN cookie, or dropped when cookies are off. In the fastsocket
    /// design each core has its own local listener, so the bound is per core.
    /// </summary>
    internal bool HalfOpenFull => QueuedCount + HalfOpenCount >= Backlog + Math.Max(Backlog / 2, 1);

    private long _lastCookieMicroseconds = long.MinValue;

    /// <summary>When this listener last answered a SYN with a cookie (long.MinValue: never). Several cores may write it for a shared listener.</summary>
    internal long LastCookieMicroseconds
    {
        get => Volatile.Read(ref _lastCookieMicroseconds);
        set => Volatile.Write(ref _lastCookieMicroseconds, value);
    }

    /// <summary>
    /// Whether an ACK that matches no connection may carry a cookie: only while cookies were sent within
    /// <paramref name="windowMicroseconds"/> (Linux checks its last overflow the same way), so outside a flood an ACK
    /// to a listener is answered with a RST as RFC 9293 says, and a forger cannot make us run the cookie check.
    /// </summary>
    internal bool InCookieMode(long nowMicroseconds, long windowMicroseconds)
    {
        long last = LastCookieMicroseconds;
        return last != long.MinValue && nowMicroseconds - last < windowMicroseconds;
    }

    void ITcpListener.AddHalfOpen(int delta) => AddHalfOpen(delta);

    internal void AddHalfOpen(int delta)
    {
        if (Shared)
        {
            Interlocked.Add(ref _halfOpen, delta);
        }
        else
        {
            _halfOpen += delta;
        }
    }

    internal void Enqueue(TcpConnection connection, EngineStatistics statistics)
    {
        if (Shared)
        {
            lock (_lock)
            {
                statistics.LockAcquisitions++;
                EnqueueUnlocked(connection);
            }
        }
        else
        {
            EnqueueUnlocked(connection);
        }
    }

    private void EnqueueUnlocked(TcpConnection connection)
    {
        connection.NextInQueue = null;
        connection.Queued = true;
        connection.Listener = this;
        if (_tail is null)
        {
            _head = connection;
        }
        else
        {
            _tail.NextInQueue = connection;
        }
        _tail = connection;
        _queued++;
    }

    /// <summary>
    /// Where accepted connections get their files (descriptor, inode/dentry record) in a stack without light sockets;
    /// null with light sockets and for a standalone engine's listener.
    /// </summary>
    internal SharedSocketVfs? Files { get; init; }

    /// <summary>
    /// The application's accept(2): takes the oldest established connection, or returns false when none is waiting. Lock
    /// acquisitions (a shared queue's, the socket files') count on the calling engine's core.
    /// </summary>
    public bool TryAccept(out TcpConnection? connection)
    {
        EngineStatistics? statistics = EngineCore.Current?.Engine.Statistics;
        if (!TryAccept(statistics, out connection))
        {
            return false;
        }
        if (Files is not null)
        {
            connection!.HostDescriptor = Files.Open(connection, statistics ?? ((NetworkEngine)connection.Host).Statistics);
        }
        return true;
    }

    /// <summary>Takes the oldest queued connection without giving it a file: for accept paths that open one, and for drains.</summary>
    internal bool TryAccept(EngineStatistics? statistics, out TcpConnection? connection)
    {
        if (!Shared)
        {
            return TryAcceptUnlocked(out connection);
        }
        if (Volatile.Read(ref _queued) == 0)
        {
            connection = null;
            return false;
        }
        lock (_lock)
        {
            if (statistics is not null)
            {
                statistics.LockAcquisitions++;
            }
            return TryAcceptUnlocked(out connection);
        }
    }

    private bool TryAcceptUnlocked(out TcpConnection? connection)
    {
        connection = _head;
        if (connection is null)
        {
            return false;
        }
        _head = connection.NextInQueue;
        if (_head is null)
        {
            _tail = null;
        }
        connection.NextInQueue = null;
        connection.Queued = false;
        connection.Listener = null;
        Volatile.Write(ref _queued, _queued - 1);
        return true;
    }
}
