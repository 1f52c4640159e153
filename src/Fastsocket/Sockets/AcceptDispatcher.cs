using System.Net.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;

namespace Fastsocket.Sockets;

/// <summary>
/// Connects a listening <see cref="FastSocket"/> to its <see cref="ListenerGroup"/>: keeps, per core, the accepts
/// waiting there, opens the core's local listener when an accept first runs on it (Fastsocket's local listen table)
/// and serves each waiter on its own core, from its local queue and the global one. Waiting accepts are
/// <see cref="CoreOperation{T}"/>s recycled per core, so an accept loop on an engine core allocates nothing per
/// connection beyond the accepted <see cref="FastSocket"/> itself.
/// </summary>
internal sealed class AcceptDispatcher : IListenerHandler
{
    private const int WaitingCountStride = 16;

    private readonly FastSocket _owner;
    private readonly ListenerGroup _group;
    private readonly FastsocketStack _stack;
    // Per core, made by that core on first use (see Waiters): every accept writes them.
    private readonly Queue<CoreOperation<FastSocket>>?[] _waiters;
    private readonly Stack<CoreOperation<FastSocket>>?[] _free;
    private readonly ServeRequest[] _serveRequests;
    private readonly Action<CoreOperation<FastSocket>> _recycle;
    private readonly bool[] _stopped;
    private volatile Exception? _failure;

    public AcceptDispatcher(FastSocket owner, ListenerGroup group)
    {
        _owner = owner;
        _group = group;
        _stack = owner.Stack;
        _waiters = new Queue<CoreOperation<FastSocket>>?[_stack.CoreCount];
        _free = new Stack<CoreOperation<FastSocket>>?[_stack.CoreCount];
        _serveRequests = new ServeRequest[_stack.CoreCount];
        _stopped = new bool[_stack.CoreCount];
        _waitingCount = new int[_stack.CoreCount * WaitingCountStride];
        for (int i = 0; i < _serveRequests.Length; i++)
        {
            _serveRequests[i] = new ServeRequest(this, _stack.Core(i));
        }
        // Runs on the waiter's core once its accept loop has taken the socket: the operation is free again.
        _recycle = op => FreeOperations(op.Core).Push(op);
        group.Global.Handler = this;
    }

    public ValueTask<FastSocket> AcceptAsync(EngineCore core, FastSocket? acceptSocket, CancellationToken cancellationToken)
    {
        if (_failure is Exception failure)
        {
            return ValueTask.FromException<FastSocket>(failure);
        }
        if (core.IsCurrentThread && TryAcceptNow(core, acceptSocket, out FastSocket? ready))
        {
            return new ValueTask<FastSocket>(ready!);
        }
        if (core.IsCurrentThread)
        {
            CoreOperation<FastSocket> op = RentWaiter(core);
            op.Tag = acceptSocket;
            ValueTask<FastSocket> pending = op.Begin();
            op.RegisterCancellation(cancellationToken);
            OpenLocal(core);
            Waiters(core).Enqueue(op);
            Serve(core);
            return pending;
        }
        return AcceptFromElsewhere(core, acceptSocket, cancellationToken);
    }

    /// <summary>
    /// From another thread: a one-off operation, queued by the core itself. It opens no local listener: a local
    /// listen table entry belongs to an acceptor running on that core (as in Fastsocket), and one opened for a
    /// caller elsewhere would keep the connections arriving there from the waiters on other cores. Such a waiter
    /// takes connections from the global listener, and from the core's local queue if an acceptor there opened one.
    /// Apart from AcceptAsync so that its closure is made only here.
    /// </summary>
    private ValueTask<FastSocket> AcceptFromElsewhere(EngineCore core, FastSocket? acceptSocket, CancellationToken cancellationToken)
    {
        var remote = new CoreOperation<FastSocket>(core) { Tag = acceptSocket };
        ValueTask<FastSocket> task = remote.Begin();
        remote.RegisterCancellation(cancellationToken);
        core.Execute(() =>
        {
            Waiters(core).Enqueue(remote);
            Serve(core);
        });
        return task;
    }

    private CoreOperation<FastSocket> RentWaiter(EngineCore core)
    {
        if (FreeOperations(core).TryPop(out CoreOperation<FastSocket>? op))
        {
            return op;
        }
        op = new CoreOperation<FastSocket>(core);
        op.OnConsumed(_recycle);
        return op;
    }

    /// <summary>On <paramref name="core"/>'s thread: takes a queued connection if there is one.</summary>
    public bool TryAcceptNow(EngineCore core, FastSocket? acceptSocket, out FastSocket? socket)
    {
        if (core.IsCurrentThread)
        {
            OpenLocal(core);
        }
        if (_group.TryAccept(core.CoreId, core.Engine.Statistics, out TcpConnection? connection))
        {
            socket = Deliver(acceptSocket, connection!);
            return true;
        }
        socket = null;
        return false;
    }

    public void StopCore(EngineCore core)
    {
        _stopped[core.CoreId] = true;
        _group.CloseLocal(core.CoreId, core.Engine.Statistics);
        // Waiters on this core keep being served, from the global queue.
        Serve(core);
    }

    public void Fail(Exception error)
    {
        _failure = error;
        foreach (EngineCore core in _stack.Cores)
        {
            core.Execute(() =>
            {
                Queue<CoreOperation<FastSocket>> waiters = Waiters(core);
                while (waiters.TryDequeue(out CoreOperation<FastSocket>? w))
                {
                    w.SetException(error);
                }
            });
        }
    }

    public SocketPoller? Poller { get; set; }

    public void OnAcceptable(Listener listener)
    {
        Poller?.Notify(_owner);
        if (listener.Core >= 0)
        {
            _stack.Core(listener.Core).Post(static s => ((ServeRequest)s!).Run(), _serveRequests[listener.Core]);
            return;
        }
        // The global queue: any core with a waiting accept may take it.
        foreach (EngineCore core in _stack.Cores)
        {
            if (Volatile.Read(ref _waitingCount[core.CoreId * WaitingCountStride]) > 0 || _stack.CoreCount == 1)
            {
                core.Post(static s => ((ServeRequest)s!).Run(), _serveRequests[core.CoreId]);
            }
        }
    }

    // One cache line (16 ints) per core, written by that core as its waiters come and go, read by any core.
    private readonly int[] _waitingCount;

    private void OpenLocal(EngineCore core)
    {
        if (_stopped[core.CoreId])
        {
            return;
        }
        Listener local = _group.OpenLocal(core.CoreId);
        local.Handler = this;
    }

    /// <summary>
    /// <paramref name="core"/>'s queue of waiting accepts, on its own thread only. Made there on first use rather
    /// than with the dispatcher: objects one thread allocates in a row sit side by side, and every core's queue and
    /// free list written on every accept, all on a few shared cache lines, would pass those lines between the cores
    /// on every connection. A core's own allocations come from its own allocation context.
    /// </summary>
    private Queue<CoreOperation<FastSocket>> Waiters(EngineCore core)
        => _waiters[core.CoreId] ??= new Queue<CoreOperation<FastSocket>>();

    /// <summary><paramref name="core"/>'s recycled accept operations, on its own thread only; made there, as <see cref="Waiters"/>.</summary>
    private Stack<CoreOperation<FastSocket>> FreeOperations(EngineCore core) =>
        _free[core.CoreId] ??= new Stack<CoreOperation<FastSocket>>();

    private void Serve(EngineCore core)
    {
        Queue<CoreOperation<FastSocket>> waiters = Waiters(core);
        while (waiters.Count > 0)
        {
            CoreOperation<FastSocket> waiter = waiters.Peek();
            if (!waiter.Pending)
            {
                // Canceled while it waited.
                waiters.Dequeue();
                continue;
            }
            if (!_group.TryAccept(core.CoreId, core.Engine.Statistics, out TcpConnection? connection))
            {
                break;
            }
            waiters.Dequeue();
            var acceptSocket = (FastSocket?)waiter.Tag;
            waiter.Tag = null;
            waiter.SetResult(Deliver(acceptSocket, connection!));
        }
        Volatile.Write(ref _waitingCount[core.CoreId * WaitingCountStride], waiters.Count);
    }

    /// <summary>The accepted connection in the socket the caller passed for reuse, or in a new one.</summary>
    private FastSocket Deliver(FastSocket? acceptSocket, TcpConnection connection)
    {
        if (acceptSocket is null)
        {
            return FastSocket.FromAccepted(_stack, connection);
        }
        acceptSocket.AttachAccepted(connection);
        return acceptSocket;
    }

    /// <summary>One per core, made once: posting it asks that core to hand queued connections to its waiters.</summary>
    private sealed class ServeRequest(AcceptDispatcher dispatcher, EngineCore core)
    {
        public void Run() => dispatcher.Serve(core);
    }

    internal FastSocket Owner => _owner;
}
