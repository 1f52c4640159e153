using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// A listening endpoint on one engine: the half-open count and the accept queue of established connections
/// (an intrusive FIFO through <see cref="TcpConnection.NextInQueue"/>, so queueing allocates nothing).
/// </summary>
public sealed class Listener
{
    private TcpConnection? _head;
    private TcpConnection? _tail;

    internal Listener(NetworkEngine engine, IpAddress localAddress, ushort port, int backlog)
    {
        Engine = engine;
        LocalAddress = localAddress;
        Port = port;
        Backlog = Math.Max(1, backlog);
    }

    public NetworkEngine Engine { get; }

    /// <summary>The bound address; <see cref="IpAddress.None"/> means any address of the engine.</summary>
    public IpAddress LocalAddress { get; }

    public ushort Port { get; }

    public int Backlog { get; }

    public IListenerHandler? Handler { get; set; }

    /// <summary>Connections established and waiting for Accept.</summary>
    public int QueuedCount { get; private set; }

    /// <summary>Connections in SYN-RECEIVED.</summary>
    public int HalfOpenCount { get; internal set; }

    public bool IsClosed { get; internal set; }

    /// <summary>Linux semantics: a SYN is dropped when the accept queue is full, so the client retries later rather than being refused.</summary>
    internal bool CanTakeSyn => QueuedCount + HalfOpenCount < Backlog + Math.Max(Backlog / 2, 1) && QueuedCount < Backlog;

    internal void Enqueue(TcpConnection connection)
    {
        connection.NextInQueue = null;
        connection.Queued = true;
        if (_tail is null)
        {
            _head = connection;
        }
        else
        {
            _tail.NextInQueue = connection;
        }
        _tail = connection;
        QueuedCount++;
    }

    /// <summary>Takes the oldest established connection, or returns false when none is waiting.</summary>
    public bool TryAccept(out TcpConnection? connection)
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
        QueuedCount--;
        connection.Listener = null;
        return true;
    }
}
