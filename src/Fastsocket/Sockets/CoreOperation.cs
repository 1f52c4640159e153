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
/// <para>
/// Completion and the awaiter's continuation share one slot, swapped atomically (the pattern of
/// <c>ManualResetValueTaskSourceCore</c> and of Socket's own awaitable event args): null while nobody waits, the
/// continuation once the awaiter registered one, a sentinel once complete. The completer publishes the result, then
/// swaps in the sentinel and so takes, in the same step, exactly the continuation that was waiting for this result;
/// an awaiter that registers after that finds the sentinel and resumes itself. Because the awaiter cannot see the
/// operation complete before that swap, and the completer touches nothing after it but what it took, an awaiter that
/// takes the result at once and starts the next operation on the same object can never be resumed by the
/// completion of the one before. (ManualResetValueTaskSourceCore itself marks completion before taking the
/// continuation, leaving exactly that window to its owner, so it is not used here.)
/// </para>
/// </summary>
internal sealed class CoreOperation<T> : IValueTaskSource<T>, IValueTaskSource, IThreadPoolWorkItem
{
    /// <summary>In <see cref="_continuation"/>: the operation is complete (whether or not anyone was waiting).</summary>
    private static readonly Action<object?> Sentinel = static _ => { };

    /// <summary>Bounds what an engine thread keeps for reuse: enough for its busiest moment, not a leak.</summary>
    private const int PoolCapacity = 4096;

    // _cancelState: who releases the cancellation registration, decided once between registrant and completer.
    private const int NoRegistration = 0;
    private const int Registered = 1;
    private const int CompletedFirst = 2;

    [ThreadStatic]
    private static Stack<CoreOperation<T>>? t_pool;

    private readonly EngineCore _core;
    // Null (armed, nobody waiting), the awaiter's continuation, or Sentinel (complete): the only completion flag.
    private Action<object?>? _continuation;
    private object? _continuationState;
    private SynchronizationContext? _context;
    private ExecutionContext? _executionContext;
    private bool _awaitedOnCore;
    // The continuation taken out of _continuation, until the context or thread pool runs it.
    private Action<object?>? _dispatched;
    private T? _result;
    private Exception? _error;
    private volatile bool _pending;
    private volatile bool _consumed = true;
    private bool _armedOnCore;
    private short _version;
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _cancelToken;
    private int _cancelState;
    private Action<object?>? _onCanceled;
    private object? _onCanceledState;
    private Action<CoreOperation<T>>? _recycle;

    /// <summary>Tests only: runs on the completing thread once the awaiter can see the completion, before it is resumed.</summary>
    internal Action? AfterCompletionVisibleForTests;

    public CoreOperation(EngineCore core)
    {
        _core = core;
        _continuation = Sentinel;
    }

    /// <summary>The core that completes this operation.</summary>
    public EngineCore Core => _core;

    /// <summary>Whether an operation is in flight.</summary>
    public bool Pending => _pending;

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
        if (_pending || !_consumed || !_core.IsCurrentThread)
        {
            return;
        }
        _onCanceled = null;
        _onCanceledState = null;
        _cancelToken = default;
        _cancellation = default;
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
    /// Called by whoever armed the operation, right after <see cref="Begin"/>; from another thread the core may
    /// complete the operation meanwhile, and then this releases the registration itself.
    /// </summary>
    public void RegisterCancellation(CancellationToken token, Action<object?>? onCanceled = null, object? state = null)
    {
        if (!token.CanBeCanceled)
        {
            return;
        }
        _onCanceled = onCanceled;
        _onCanceledState = state;
        _cancelToken = token;
        // Registering on a token that is already canceled runs the callback at once; that posts, so it is safe here.
        CancellationTokenRegistration registration = token.UnsafeRegister(static (s, t) =>
        {
            var op = (CoreOperation<T>)s!;
            op._core.Post(static o => ((CoreOperation<T>)o!).CancelOnCore(), op);
        }, this);
        _cancellation = registration;
        if (Interlocked.CompareExchange(ref _cancelState, Registered, NoRegistration) != NoRegistration)
        {
            // Completed while we registered: the completer left the registration to us.
            registration.Unregister();
        }
    }

    private void CancelOnCore()
    {
        // The callback may run after this operation completed and was reused; only an operation still waiting
        // under a canceled token of its own is canceled (a later one on the same canceled token would be anyway).
        if (!_pending || !_cancelToken.IsCancellationRequested)
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

    /// <summary>Arms the operation and returns the awaitable for it, for operations without a result.</summary>
    public ValueTask BeginVoid()
    {
        Arm();
        return new ValueTask(this, _version);
    }

    private void Arm()
    {
        if (_pending)
        {
            throw new InvalidOperationException("an operation of this kind is already in progress on this socket");
        }
        _consumed = false;
        _error = null;
        _result = default;
        _continuationState = null;
        _context = null;
        _executionContext = null;
        _awaitedOnCore = false;
        _dispatched = null;
        _onCanceled = null;
        _onCanceledState = null;
        _cancelToken = default;
        _cancellation = default;
        _cancelState = NoRegistration;
        _armedOnCore = _core.IsCurrentThread;
        _continuation = null;
        // Last, and volatile: work for the previous operation still queued on the core (a second ContinueSend, say)
        // may run while another thread arms this one, and must then find it completely reset.
        _pending = true;
    }

    /// <summary>Completes the pending operation with <paramref name="result"/>; on the core. Ignored when none is pending.</summary>
    public void SetResult(T result)
    {
        if (!_pending)
        {
            return;
        }
        _result = result;
        Signal();
    }

    /// <summary>Completes the pending operation with <paramref name="error"/>; on the core. Ignored when none is pending.</summary>
    public void SetException(Exception error)
    {
        if (!_pending)
        {
            return;
        }
        _error = error;
        Signal();
    }

    private void Signal()
    {
        ReleaseCancellation();
        // Before the completion is visible: an awaiter that sees it may arm the next operation at once.
        _pending = false;
        // Publishes the result and takes whatever continuation was registered, in one step. From here on the
        // awaiter may consume the result and reuse this object, so nothing below reads a field it could reset.
        Action<object?>? continuation = Interlocked.Exchange(ref _continuation, Sentinel);
        AfterCompletionVisibleForTests?.Invoke();
        if (continuation is null)
        {
            // Nobody waits yet: the awaiter will find the operation complete, or OnCompleted will find the sentinel.
            return;
        }
        // A continuation was waiting, so the awaiter is suspended and the fields OnCompleted set are stable.
        if (_context is SynchronizationContext context)
        {
            _dispatched = continuation;
            context.Post(static s => ((CoreOperation<T>)s!).RunDispatched(), this);
        }
        else if (_executionContext is not null || !_awaitedOnCore || !_core.IsCurrentThread)
        {
            // The awaiter was not on this core: never run its code on the engine thread.
            _dispatched = continuation;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else
        {
            continuation(_continuationState);
        }
    }

    /// <summary>On the core, before the completion is visible: lets go of the cancellation registration, or leaves it to a registrant still at work.</summary>
    private void ReleaseCancellation()
    {
        int state;
        if (_armedOnCore)
        {
            // Armed, registered and completed on this one thread: nothing races.
            state = _cancelState;
            _cancelState = CompletedFirst;
        }
        else
        {
            state = Interlocked.Exchange(ref _cancelState, CompletedFirst);
        }
        if (state == Registered)
        {
            // Unregister, not Dispose: it never waits for a callback running elsewhere, so the engine never blocks.
            _cancellation.Unregister();
            _cancellation = default;
        }
    }

    void IThreadPoolWorkItem.Execute() => RunDispatched();

    /// <summary>Runs the continuation that <see cref="Signal"/> or <see cref="OnCompleted"/> took, in the awaiter's execution context.</summary>
    private void RunDispatched()
    {
        if (_executionContext is ExecutionContext ec)
        {
            ExecutionContext.Run(ec, static s => ((CoreOperation<T>)s!).InvokeDispatched(), this);
        }
        else
        {
            InvokeDispatched();
        }
    }

    private void InvokeDispatched()
    {
        // Taken before the call: the continuation may consume the result and arm the next operation.
        Action<object?>? continuation = _dispatched;
        object? state = _continuationState;
        _dispatched = null;
        continuation?.Invoke(state);
    }

    /// <summary>Whether the awaitable with <paramref name="token"/> is still pending or how it ended.</summary>
    public ValueTaskSourceStatus GetStatus(short token)
    {
        CheckToken(token);
        if (!ReferenceEquals(Volatile.Read(ref _continuation), Sentinel))
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

    /// <summary>Registers the awaiter's continuation, or resumes it at once when the operation already completed.</summary>
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
        // Publishes the fields above to the completer together with the continuation.
        Action<object?>? previous = Interlocked.CompareExchange(ref _continuation, continuation, null);
        if (previous is null)
        {
            return;
        }
        if (!ReferenceEquals(previous, Sentinel))
        {
            throw new InvalidOperationException("the operation is already being awaited");
        }
        // Completed before the continuation was registered, so the completer left it to us: run it off this stack
        // frame when we are not on the core, inline when we are (the completion came from the work queue, so the
        // stack is shallow).
        if (_context is SynchronizationContext captured)
        {
            _dispatched = continuation;
            captured.Post(static s => ((CoreOperation<T>)s!).RunDispatched(), this);
        }
        else if (_awaitedOnCore && _executionContext is null)
        {
            continuation(state);
        }
        else
        {
            _dispatched = continuation;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Takes the result of the completed awaitable with <paramref name="token"/>, which may not be used again.</summary>
    public T GetResult(short token)
    {
        CheckToken(token);
        if (!ReferenceEquals(Volatile.Read(ref _continuation), Sentinel))
        {
            throw new InvalidOperationException("the operation has not completed");
        }
        _version++;
        Exception? error = _error;
        T result = _result!;
        _error = null;
        _result = default;
        bool onCore = _core.IsCurrentThread;
        Action<CoreOperation<T>>? recycle = _recycle;
        // Last: from here the core may pool this object.
        _consumed = true;
        if (recycle is not null && onCore)
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
