using System.Threading.Tasks.Sources;
using Fastsocket.Stack;

namespace Fastsocket.Sockets;

/// <summary>
/// A reusable awaitable for one kind of socket operation (receive, send, connect, accept), completed on the core
/// that owns the socket. An await that began on that core resumes inline on it from the engine loop's work queue
/// (run-to-completion, no allocation, no thread hop); an await from any other thread resumes on that thread's
/// synchronization context or the thread pool. Only one operation of a kind may be pending at a time, as with
/// <c>SocketAsyncEventArgs</c>. Operations are recycled on their core (see <see cref="Rent"/>), so a socket's
/// life allocates none once the core's pool is warm; as with any pooled <see cref="ValueTask"/> source, an
/// awaitable must be awaited once only.
/// </summary>
internal sealed class CoreOperation<T> : IValueTaskSource<T>, IValueTaskSource
{
    private static readonly Action<object?> Sentinel = static _ => { };

    /// <summary>Bounds what an engine thread keeps for reuse: enough for its busiest moment, not a leak.</summary>
    private const int PoolCapacity = 4096;

    [ThreadStatic]
    private static Stack<CoreOperation<T>>? t_pool;

    private readonly EngineCore _core;
    private Action<object?>? _continuation;
    private object? _continuationState;
    private SynchronizationContext? _context;
    private ExecutionContext? _executionContext;
    private bool _awaitedOnCore;
    private T? _result;
    private Exception? _error;
    private volatile bool _completed;
    private volatile bool _consumed = true;
    private short _version;
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _cancelToken;
    private Action<object?>? _onCanceled;
    private object? _onCanceledState;
    private Action<CoreOperation<T>>? _recycle;

    public CoreOperation(EngineCore core)
    {
        _core = core;
    }

    /// <summary>The core that completes this operation.</summary>
    public EngineCore Core => _core;

    /// <summary>Whether an operation is in flight.</summary>
    public bool Pending { get; private set; }

    /// <summary>What the owner needs to complete this operation (an accept's socket to reuse); never read here.</summary>
    public object? Tag { get; set; }

    /// <summary>
    /// An operation for <paramref name="core"/>: one this thread recycled when called on that core's thread (an
    /// engine thread only ever holds its own core's), else a new one.
    /// </summary>
    public static CoreOperation<T> Rent(EngineCore core)
    {
        if (core.IsCurrentThread && t_pool is { Count: > 0 } pool)
        {
            return pool.Pop();
        }
        return new CoreOperation<T>(core);
    }

    /// <summary>
    /// Gives the operation back to its core's pool when that is safe: on the core's thread, nothing in flight and
    /// the last result already taken (so no awaiter can still be reading it). Otherwise the collector has it.
    /// </summary>
    public void Return()
    {
        if (Pending || !_consumed || !_core.IsCurrentThread)
        {
            return;
        }
        _onCanceled = null;
        _onCanceledState = null;
        _recycle = null;
        Tag = null;
        Stack<CoreOperation<T>> pool = t_pool ??= new Stack<CoreOperation<T>>();
        if (pool.Count < PoolCapacity)
        {
            pool.Push(this);
        }
    }

    /// <summary>Called (on the core) once an awaiter has taken this operation's result, for owners that pool it themselves.</summary>
    public void OnConsumed(Action<CoreOperation<T>> recycle) => _recycle = recycle;

    /// <summary>
    /// Completes the pending operation as canceled when <paramref name="token"/> fires, after running
    /// <paramref name="onCanceled"/> on the core (to abort what the operation was waiting for). The registration is
    /// released when the operation completes, so a long-lived token does not collect one callback per operation.
    /// </summary>
    public void RegisterCancellation(CancellationToken token, Action<object?>? onCanceled = null, object? state = null)
    {
        if (!token.CanBeCanceled)
        {
            return;
        }
        _cancelToken = token;
        _onCanceled = onCanceled;
        _onCanceledState = state;
        // Registering on a token that is already canceled runs the callback at once; that posts, so it is safe here.
        _cancellation = token.UnsafeRegister(static (s, t) =>
        {
            var op = (CoreOperation<T>)s!;
            op._core.Post(static o => ((CoreOperation<T>)o!).CancelOnCore(), op);
        }, this);
    }

    private void CancelOnCore()
    {
        // The callback may run after this operation completed and was reused; only an operation still waiting
        // under a canceled token of its own is canceled (a later one on the same canceled token would be anyway).
        if (!Pending || !_cancelToken.IsCancellationRequested)
        {
            return;
        }
        _onCanceled?.Invoke(_onCanceledState);
        SetException(new OperationCanceledException(_cancelToken));
    }

    /// <summary>Arms the operation and returns the awaitable for it.</summary>
    public ValueTask<T> Begin()
    {
        Arm();
        return new ValueTask<T>(this, _version);
    }

    public ValueTask BeginVoid()
    {
        Arm();
        return new ValueTask(this, _version);
    }

    private void Arm()
    {
        if (Pending)
        {
            throw new InvalidOperationException("an operation of this kind is already in progress on this socket");
        }
        Pending = true;
        _consumed = false;
        _completed = false;
        _error = null;
        _result = default;
        _continuation = null;
        _continuationState = null;
        _context = null;
        _executionContext = null;
        _awaitedOnCore = false;
    }

    public void SetResult(T result)
    {
        _result = result;
        Signal();
    }

    public void SetException(Exception error)
    {
        _error = error;
        Signal();
    }

    private void Signal()
    {
        if (!Pending)
        {
            return;
        }
        Pending = false;
        if (_cancelToken.CanBeCanceled)
        {
            // Unregister, not Dispose: it never waits for a callback running elsewhere, so the engine never blocks.
            _cancellation.Unregister();
            _cancellation = default;
            _cancelToken = default;
        }
        _completed = true;
        Action<object?>? continuation = _continuation ?? Interlocked.CompareExchange(ref _continuation, Sentinel, null);
        if (continuation is null)
        {
            return;
        }
        object? state = _continuationState;
        if (_context is not null)
        {
            _context.Post(static s => ((CoreOperation<T>)s!).RunContinuation(), this);
        }
        else if (_executionContext is not null || !_awaitedOnCore || !_core.IsCurrentThread)
        {
            // The awaiter was not on this core: never run its code on the engine thread.
            ThreadPool.UnsafeQueueUserWorkItem(static s => ((CoreOperation<T>)s!).RunContinuation(), this, preferLocal: false);
        }
        else
        {
            continuation(state);
        }
    }

    private void RunContinuation()
    {
        Action<object?>? continuation = _continuation;
        object? state = _continuationState;
        if (continuation is null || ReferenceEquals(continuation, Sentinel))
        {
            return;
        }
        if (_executionContext is ExecutionContext ec)
        {
            ExecutionContext.Run(ec, static s =>
            {
                var (c, st) = ((Action<object?>, object?))s!;
                c(st);
            }, (continuation, state));
        }
        else
        {
            continuation(state);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token)
    {
        CheckToken(token);
        if (!_completed)
        {
            return ValueTaskSourceStatus.Pending;
        }
        return _error switch
        {
            null => ValueTaskSourceStatus.Succeeded,
            OperationCanceledException => ValueTaskSourceStatus.Canceled,
            _ => ValueTaskSourceStatus.Faulted,
        };
    }

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        CheckToken(token);
        _awaitedOnCore = _core.IsCurrentThread;
        if (!_awaitedOnCore)
        {
            // Awaited from elsewhere: resume where the awaiter lives, not on the engine thread.
            if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0)
            {
                SynchronizationContext? context = SynchronizationContext.Current;
                if (context is not null && context.GetType() != typeof(SynchronizationContext))
                {
                    _context = context;
                }
            }
            if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
            {
                _executionContext = ExecutionContext.Capture();
            }
        }
        _continuationState = state;
        Action<object?>? previous = Interlocked.CompareExchange(ref _continuation, continuation, null);
        if (previous is not null)
        {
            // Completed before the continuation was registered: run it now, off this stack frame when we are not on
            // the core, inline when we are (the completion came from the work queue, so the stack is shallow).
            _continuation = continuation;
            if (_context is not null)
            {
                _context.Post(static s => ((CoreOperation<T>)s!).RunContinuation(), this);
            }
            else if (_core.IsCurrentThread && _executionContext is null)
            {
                continuation(state);
            }
            else
            {
                ThreadPool.UnsafeQueueUserWorkItem(static s => ((CoreOperation<T>)s!).RunContinuation(), this, preferLocal: false);
            }
        }
    }

    public T GetResult(short token)
    {
        CheckToken(token);
        if (!_completed)
        {
            throw new InvalidOperationException("the operation has not completed");
        }
        _version++;
        Exception? error = _error;
        T result = _result!;
        _error = null;
        _result = default;
        _consumed = true;
        if (_recycle is { } recycle && _core.IsCurrentThread)
        {
            recycle(this);
        }
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
        return result;
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    private void CheckToken(short token)
    {
        if (token != _version)
        {
            throw new InvalidOperationException("the awaitable was already consumed");
        }
    }
}
