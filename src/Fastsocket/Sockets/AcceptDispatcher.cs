using System.Net.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;

namespace Fastsocket.Sockets;

/// <summary>
/// Connects a listening <see cref="FastSocket"/> to its <see cref="ListenerGroup"/>: keeps, per core, the accepts
/// waiting there, opens the core's local listener when an accept first runs on it (Fastsocket's local listen table)
/// and serves each waiter on its own core, from its local queue and the global one.
/// </summary>
internal sealed class AcceptDispatcher : IListenerHandler
{
    private readonly FastSocket _owner;
    private readonly ListenerGroup _group;
    private readonly FastsocketStack _stack;
    private readonly Queue<TaskCompletionSource<FastSocket>>[] _waiters;
    private readonly bool[] _stopped;
    private volatile Exception? _failure;

    public AcceptDispatcher(FastSocket owner, ListenerGroup group)
    {
        _owner = owner;
        _group = group;
        _stack = owner.Stack;
        _waiters = new Queue<TaskCompletionSource<FastSocket>>[_stack.CoreCount];
        _stopped = new bool[_stack.CoreCount];
        for (int i = 0; i < _waiters.Length; i++)
        {
            _waiters[i] = new Queue<TaskCompletionSource<FastSocket>>();
        }
        group.Global.Handler = this;
    }

    public ValueTask<FastSocket> AcceptAsync(EngineCore core, CancellationToken cancellationToken)
    {
        if (_failure is Exception failure)
        {
            return ValueTask.FromException<FastSocket>(failure);
        }
        if (core.IsCurrentThread && TryAcceptNow(core, out FastSocket? ready))
        {
            return new ValueTask<FastSocket>(ready!);
        }
        var waiter = new TaskCompletionSource<FastSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        core.Execute(() =>
        {
            OpenLocal(core);
            _waiters[core.CoreId].Enqueue(waiter);
            Serve(core);
        });
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
        }
        return new ValueTask<FastSocket>(waiter.Task);
    }

    /// <summary>On <paramref name="core"/>'s thread: takes a queued connection if there is one.</summary>
    public bool TryAcceptNow(EngineCore core, out FastSocket? socket)
    {
        if (core.IsCurrentThread)
        {
            OpenLocal(core);
        }
        if (_group.TryAccept(core.CoreId, core.Engine.Statistics, out TcpConnection? connection))
        {
            socket = FastSocket.FromAccepted(_stack, connection!);
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
                Queue<TaskCompletionSource<FastSocket>> waiters = _waiters[core.CoreId];
                while (waiters.TryDequeue(out TaskCompletionSource<FastSocket>? w))
                {
                    w.TrySetException(error);
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
            EngineCore core = _stack.Core(listener.Core);
            core.Post(static s => ((ServeRequest)s!).Run(), new ServeRequest(this, core));
            return;
        }
        // The global queue: any core with a waiting accept may take it.
        foreach (EngineCore core in _stack.Cores)
        {
            if (Volatile.Read(ref _waitingCount[core.CoreId * 16]) > 0 || _stack.CoreCount == 1)
            {
                core.Post(static s => ((ServeRequest)s!).Run(), new ServeRequest(this, core));
            }
        }
    }

    private readonly int[] _waitingCount = new int[1024];

    private void OpenLocal(EngineCore core)
    {
        if (_stopped[core.CoreId])
        {
            return;
        }
        Listener local = _group.OpenLocal(core.CoreId);
        local.Handler = this;
    }

    private void Serve(EngineCore core)
    {
        Queue<TaskCompletionSource<FastSocket>> waiters = _waiters[core.CoreId];
        while (waiters.Count > 0)
        {
            TaskCompletionSource<FastSocket> waiter = waiters.Peek();
            if (waiter.Task.IsCompleted)
            {
                waiters.Dequeue();
                continue;
            }
            if (!_group.TryAccept(core.CoreId, core.Engine.Statistics, out TcpConnection? connection))
            {
                break;
            }
            waiters.Dequeue();
            FastSocket socket = FastSocket.FromAccepted(_stack, connection!);
            if (!waiter.TrySetResult(socket))
            {
                socket.Dispose();
            }
        }
        Volatile.Write(ref _waitingCount[core.CoreId * 16], waiters.Count);
    }

    private sealed record ServeRequest(AcceptDispatcher Dispatcher, EngineCore Core)
    {
        public void Run() => Dispatcher.Serve(Core);
    }

    internal FastSocket Owner => _owner;
}
