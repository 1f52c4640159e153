using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// Everything listening on one port across the stack: the global listener (Fastsocket's fallback, or the single
/// listener of <c>base</c>) and the per-core listeners (Fastsocket's local listen table entries, or the
/// SO_REUSEPORT group of <c>reuseport</c>). Which of them takes a SYN is the listen mechanism's choice (<see cref="Select"/>):
/// <see cref="StackMechanisms.LocalListen"/>, <see cref="StackMechanisms.ReusePortListen"/>, or neither (one shared listener).
/// </summary>
public sealed class ListenerGroup
{
    private readonly Listener?[] _local;
    private readonly ListenMode _mode;
    private readonly SharedSocketVfs? _files;

    // Per-core alternation counters, spaced a cache line apart so cores never write a shared line.
    private readonly int[] _acceptCursor;
    private const int CursorStride = 16;

    /// <summary>
    /// A group whose listeners follow <paramref name="mechanisms"/>' listen mechanism; with <paramref name="files"/> (no
    /// light sockets) every accepted connection gets a descriptor and an inode/dentry record there.
    /// </summary>
    internal ListenerGroup(StackMechanisms mechanisms, ushort port, int backlog, int cores, SharedSocketVfs? files = null)
    {
        _mode = (mechanisms & StackMechanisms.LocalListen) != 0 ? ListenMode.Local
            : (mechanisms & StackMechanisms.ReusePortListen) != 0 ? ListenMode.ReusePort
            : ListenMode.Single;
        _files = files;
        Port = port;
        Backlog = backlog;
        Global = new Listener(IpAddress.None, port, backlog, core: -1, shared: true) { Files = files };
        _local = new Listener?[cores];
        _acceptCursor = new int[cores * CursorStride];
        if (_mode == ListenMode.ReusePort)
        {
            // One SO_REUSEPORT socket per core; any core's softirq may feed any of them, hence shared.
            for (int i = 0; i < cores; i++)
            {
                _local[i] = new Listener(IpAddress.None, port, backlog, core: i, shared: true) { Files = files };
            }
        }
    }

    private enum ListenMode
    {
        // One listener for all cores (base).
        Single,

        // One listener per core, chosen by flow hash, fed by any core (SO_REUSEPORT).
        ReusePort,

        // Each core's own listener, with the global one as fallback (Fastsocket's Local Listen Table).
        Local,
    }

    /// <summary>The port the group listens on.</summary>
    public ushort Port { get; }

    /// <summary>The backlog of each listener of the group.</summary>
    public int Backlog { get; }

    /// <summary>The stack-wide listener, taking SYNs for cores without a local one.</summary>
    public Listener Global { get; }

    /// <summary>Whether the group has been closed.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>How many cores the group has a local slot for.</summary>
    public int Cores => _local.Length;

    /// <summary>The listener of core <paramref name="core"/> in its local table, if it has one.</summary>
    public Listener? Local(int core) => _local[core];

    /// <summary>Fastsocket: gives core <paramref name="core"/> its local copy of the listener (its acceptor started there).</summary>
    public Listener OpenLocal(int core)
    {
        if (_mode == ListenMode.ReusePort)
        {
            return _local[core]!;
        }
        if (_mode == ListenMode.Single)
        {
            return Global;
        }
        Listener? existing = _local[core];
        if (existing is not null && !existing.IsClosed)
        {
            return existing;
        }
        var local = new Listener(IpAddress.None, Port, Backlog, core, shared: false) { Files = _files };
        Volatile.Write(ref _local[core], local);
        return local;
    }

    /// <summary>
    /// Fastsocket: core <paramref name="core"/>'s acceptor stopped. Its SYNs now go to the global listener, and the
    /// connections already queued locally move to the global queue, so none is lost. Runs on that core.
    /// </summary>
    internal void CloseLocal(int core, EngineStatistics statistics)
    {
        Listener? local = _local[core];
        if (local is null || _mode != ListenMode.Local)
        {
            return;
        }
        Volatile.Write(ref _local[core], null);
        local.Redirect = Global;
        local.IsClosed = true;
        while (local.TryAccept(statistics, out TcpConnection? queued))
        {
            Global.Enqueue(queued!, statistics);
        }
        if (Global.QueuedCount > 0)
        {
            Global.Handler?.OnAcceptable(Global);
        }
    }

    /// <summary>The listener that takes a SYN arriving on <paramref name="core"/> for <paramref name="flow"/>.</summary>
    internal Listener? Select(int core, in FlowKey flow, EngineStatistics statistics)
    {
        if (IsClosed)
        {
            return null;
        }
        switch (_mode)
        {
            case ListenMode.Local:
                Listener? local = _local[core];
                if (local is not null && !local.IsClosed)
                {
                    return local;
                }
                statistics.GlobalListenerFallbacks++;
                return Global;
            case ListenMode.ReusePort:
                // Linux picks the reuseport socket by a hash of the flow, independent of the receiving core.
                uint hash = (uint)flow.GetHashCode();
                return _local[(int)(hash % (uint)_local.Length)];
            default:
                return Global;
        }
    }

    /// <summary>
    /// Accept for an acceptor on <paramref name="core"/>: its own queue first, then the global one, so that neither
    /// starves (Fastsocket); the single global queue (base); the core's reuseport queue (reuseport). Without light
    /// sockets the connection then gets its file (<see cref="SharedSocketVfs"/>), counted on <paramref name="statistics"/>.
    /// </summary>
    internal bool TryAccept(int core, EngineStatistics statistics, out TcpConnection? connection)
    {
        if (!TryTakeQueued(core, statistics, out connection))
        {
            return false;
        }
        if (_files is not null)
        {
            connection!.HostDescriptor = _files.Open(connection, statistics);
        }
        return true;
    }

    private bool TryTakeQueued(int core, EngineStatistics statistics, out TcpConnection? connection)
    {
        switch (_mode)
        {
            case ListenMode.Local:
                Listener? local = _local[core];
                // Alternate which queue is tried first, so a busy local queue cannot starve the global one.
                bool globalFirst = (++_acceptCursor[core * CursorStride] & 7) == 0;
                if (globalFirst && Global.TryAccept(statistics, out connection))
                {
                    return true;
                }
                if (local is not null && local.TryAccept(statistics, out connection))
                {
                    return true;
                }
                return Global.TryAccept(statistics, out connection);
            case ListenMode.ReusePort:
                return _local[core]!.TryAccept(statistics, out connection);
            default:
                return Global.TryAccept(statistics, out connection);
        }
    }

    internal bool HasQueued(int core)
    {
        if (Global.QueuedCount > 0)
        {
            return true;
        }
        Listener? local = _local[core];
        return local is not null && local.QueuedCount > 0;
    }

    internal void MarkClosed() => IsClosed = true;
}
