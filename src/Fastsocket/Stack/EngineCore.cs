using System.Collections.Concurrent;
using Fastsocket.Devices;
using Fastsocket.Interop;

namespace Fastsocket.Stack;

/// <summary>
/// One core of a <see cref="FastsocketStack"/>: a dedicated thread, pinned to its CPU, that polls its device queue
/// in batches, runs TCP input, timers and the application's continuations for the connections it owns, and
/// flushes output in batches. When there is nothing to do it sleeps on a doorbell that packet arrival and posted
/// work ring, so an idle stack uses no CPU.
/// </summary>
public sealed class EngineCore : IDisposable
{
    private const int SpinsBeforeSleep = 64;
    private const int MaxSleepMilliseconds = 1000;

    /// <summary>
    /// Longest a thread-run engine holds the ACK of a connection's first data (a request) for the application's reply
    /// to carry. An application that answers on its own threads (Kestrel's thread pool) answers a turn or more later,
    /// and a bare ACK at the end of the turn that read the request cost one packet and one write per connection; half
    /// a millisecond is far below any delayed-ACK limit (RFC 9293 3.8.6.3: 0.5 s; Linux waits 40 ms at least).
    /// </summary>
    private const long AckHoldMicroseconds = 500;

    /// <summary>
    /// Batches one turn reads at most before it writes, on a device that reports the host's drops
    /// (<see cref="Devices.IHostDropCounters"/>, a single-queue device the host keeps a queue for): 16 of the default
    /// 64 packets, 1,024, well inside a TUN device's default kernel queue
    /// (<see cref="Devices.Tun.TunDevice.DefaultKernelQueueLength"/>), so the queue absorbs what arrives during a turn,
    /// and short enough that a flood of input cannot hold back timers and output for long. An engine on one queue of a
    /// multi-queue TUN device (what `serve` and the LD_PRELOAD library use) and every in-memory device read one batch
    /// a turn (<see cref="ReadBatchesPerTurn"/>): on TUN, 16 made no difference beyond noise to the high-concurrency
    /// run's rates or p99, and one batch keeps the service order tight.
    /// </summary>
    public const int MaxBatchesPerTurn = 16;

    private readonly FastsocketStack _stack;
    private readonly Queue<WorkItem> _local = new(4096);
    private readonly ConcurrentQueue<WorkItem> _remote = new();
    private readonly Thread _thread;
    private readonly int _batchSize;
    private readonly int _maxBatchesPerTurn;
    private readonly Func<bool> _hasWork;
    private volatile bool _stopping;
    private int _managedThreadId = -1;
    private EngineActivity _activity;
    private long _turns;
    private long _acksHeldSince;
    private long _turnsAtReadLimit;

    internal EngineCore(FastsocketStack stack, int coreId, NetworkEngine engine, int batchSize)
    {
        _stack = stack;
        CoreId = coreId;
        Engine = engine;
        _batchSize = batchSize;
        // Only a queue that someone else fills and drops from (the kernel's, behind TUN) is worth emptying before
        // writing. An in-memory peer waits for our replies to send more, so reading 16 batches before writing only
        // delays them: the short-connection bench lost half its rate and its engines slept seven times as often.
        _maxBatchesPerTurn = engine.HasHostQueue ? MaxBatchesPerTurn : 1;
        Context = new CoreSynchronizationContext(this);
        // Cached: a method group converted at each sleep would allocate a delegate on the engine thread every time.
        _hasWork = HasWork;
        _thread = new Thread(Run)
        {
            Name = $"{stack.Name}-core{coreId}",
            IsBackground = true,
        };
    }

    /// <summary>The core number (also the engine's device queue).</summary>
    public int CoreId { get; }

    /// <summary>The engine this core's thread runs.</summary>
    public NetworkEngine Engine { get; }

    /// <summary>The synchronization context that resumes awaits on this core.</summary>
    public CoreSynchronizationContext Context { get; }

    /// <summary>
    /// Rung by packet arrival and cross-core posts to wake the idle engine. It watches descriptors, so a kernel-backed
    /// device (TUN) lets the sleeping engine wait in poll(2) on its queue directly.
    /// </summary>
    public Doorbell Doorbell { get; } = new(watchesDescriptors: true);

    /// <summary>Whether the thread was pinned to its CPU.</summary>
    public bool Pinned { get; private set; }

    /// <summary>Turns of the engine's loop that found work (packets or posted work); any thread may read it.</summary>
    public long BusyTurns => Volatile.Read(ref _turns);

    /// <summary>Batches a turn of this core reads at most before it writes (<see cref="MaxBatchesPerTurn"/> or 1).</summary>
    public int ReadBatchesPerTurn => _maxBatchesPerTurn;

    /// <summary>
    /// Busy turns that read <see cref="ReadBatchesPerTurn"/> full batches and stopped with the device possibly holding
    /// more: the engine could not keep up with what arrived. Rising together with an idle time near zero
    /// (<see cref="IdleMicroseconds"/>), it means the core is saturated, and what the device drops then is load beyond
    /// the core, not a queue too short.
    /// </summary>
    public long TurnsAtReadLimit => Volatile.Read(ref _turnsAtReadLimit);

    /// <summary>Times the engine went to sleep for lack of work.</summary>
    public long Sleeps => Volatile.Read(ref _activity.Sleeps);

    /// <summary>
    /// Microseconds, on the stack's clock, that the engine's loop has spent without work (spinning or asleep) since it
    /// started, the idle period under way included. Against elapsed time it tells a saturated core from one waiting
    /// for its peers. On the stack's clock rather than the wall's, so a test driving a virtual clock gets exact figures.
    /// </summary>
    public long IdleMicroseconds
    {
        get
        {
            while (true)
            {
                // A sequence lock: the engine makes Version odd while it changes the two fields, so a pair read
                // under one even version is consistent and the open period is counted exactly once.
                long version = Volatile.Read(ref _activity.Version);
                long since = Volatile.Read(ref _activity.IdleSince);
                long closed = Volatile.Read(ref _activity.IdleMicroseconds);
                if ((version & 1) == 0 && Volatile.Read(ref _activity.Version) == version)
                {
                    return since == 0 ? closed : closed + Math.Max(0, _stack.Options.Clock.NowMicroseconds - since);
                }
                Thread.SpinWait(1);
            }
        }
    }

    /// <summary>The kernel's id of the engine thread (Linux, once started; 0 elsewhere), for /proc/self/task/ID.</summary>
    public int NativeThreadId { get; private set; }

    /// <summary>Whether the caller runs on this core's engine thread.</summary>
    public bool IsCurrentThread => Environment.CurrentManagedThreadId == _managedThreadId;

    /// <summary>The engine core whose thread is running the caller, or null on any other thread.</summary>
    public static EngineCore? Current => t_current;

    [ThreadStatic]
    private static EngineCore? t_current;

    internal void Start() => _thread.Start();

    /// <summary>Queues work to run on this core after its current batch. Safe from any thread.</summary>
    public void Post(SendOrPostCallback callback, object? state)
    {
        if (IsCurrentThread)
        {
            _local.Enqueue(new WorkItem(callback, state));
            return;
        }
        _remote.Enqueue(new WorkItem(callback, state));
        Doorbell.Ring();
    }

    /// <summary>Runs <paramref name="action"/> on this core: at once when already on it, else posted.</summary>
    public void Execute(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (IsCurrentThread)
        {
            action();
        }
        else
        {
            Post(static s => ((Action)s!)(), action);
        }
    }

    /// <summary>Runs <paramref name="callback"/> with <paramref name="state"/> on this core: at once when already on it, else posted. Allocates nothing.</summary>
    public void Execute(SendOrPostCallback callback, object? state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (IsCurrentThread)
        {
            callback(state);
        }
        else
        {
            Post(callback, state);
        }
    }

    /// <summary>Runs a function on this core and returns its result to the caller, from any thread.</summary>
    public Task<T> InvokeAsync<T>(Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (IsCurrentThread)
        {
            try
            {
                return Task.FromResult(function());
            }
            catch (Exception e)
            {
                return Task.FromException<T>(e);
            }
        }
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ =>
        {
            try
            {
                completion.SetResult(function());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        }, null);
        return completion.Task;
    }

    internal void Stop()
    {
        _stopping = true;
        Doorbell.Ring();
        Doorbell.Ring();
        if (_thread.IsAlive && !IsCurrentThread)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        _managedThreadId = Environment.CurrentManagedThreadId;
        t_current = this;
        NativeThreadId = Interop.ThreadIdentity.TryGetNativeThreadId();
        if (_stack.Options.PinThreads)
        {
            Pinned = ThreadAffinity.TryPinCurrentThread(ThreadAffinity.CpuForSlot(_stack.AllowedCpus, _stack.Options.FirstCpu + CoreId));
        }
        SynchronizationContext.SetSynchronizationContext(Context);
        int idle = 0;
        Time.IClock clock = _stack.Options.Clock;
        while (!_stopping)
        {
            int work;
            // A turn that starts idle may end the idle period; its own work must not count as idle time. One
            // timestamp per idle turn, none per busy one: a saturated engine pays nothing.
            long turnStart = _activity.IdleSince != 0 ? clock.NowMicroseconds : 0;
            try
            {
                work = Engine.PollUntilDrained(_batchSize, _maxBatchesPerTurn, out bool drained);
                if (!drained)
                {
                    Volatile.Write(ref _turnsAtReadLimit, _turnsAtReadLimit + 1);
                }
            }
            catch (Exception e)
            {
                // A bug in packet processing must not take the whole process down with every connection of every
                // core: report it (counted, and raised as UnhandledException) and keep the core running.
                Engine.Statistics.EngineFaults++;
                _stack.ReportUnhandled(CoreId, e);
                work = 1;
            }
            int ran = RunWork();
            work += ran;
            if (work > 0)
            {
                Volatile.Write(ref _turns, _turns + 1);
                if (ran > 0)
                {
                    // What the application wrote during its work leaves now: stamped (RTT samples, RACK, TSval) with
                    // the time it is written to the device, not the time the turn's reads began, so a long turn does
                    // not count as round-trip time.
                    Engine.RefreshClock();
                }
                Engine.FlushPending();
                HoldOrSendEndOfTurnAcks(clock, flush: false);
                idle = 0;
                if (_activity.IdleSince != 0)
                {
                    SetIdle(closedMicroseconds: _activity.IdleMicroseconds + (turnStart - _activity.IdleSince), since: 0);
                }
                continue;
            }
            if (_activity.IdleSince == 0)
            {
                SetIdle(closedMicroseconds: _activity.IdleMicroseconds, since: clock.NowMicroseconds);
            }
            HoldOrSendEndOfTurnAcks(clock, flush: false);
            if (++idle < SpinsBeforeSleep)
            {
                // Now and then yield rather than pause: the application's own threads (Kestrel's thread pool) may
                // share this CPU, and while the engine spins they wait for it with a reply (and the ACK it would
                // carry). Alone on the CPU the system call returns at once; not at every turn, so that on a CPU shared
                // with other programs an idle moment does not give the engine's time slice away each time.
                if ((idle & 15) == 1)
                {
                    Thread.Yield();
                }
                else
                {
                    Thread.SpinWait(8);
                }
                continue;
            }
            idle = 0;
            HoldOrSendEndOfTurnAcks(clock, flush: true);
            long next = Engine.NextTimerDeadline();
            long waitMicros = next == long.MaxValue ? MaxSleepMilliseconds * 1000L : next - Engine.NowMicroseconds;
            if (waitMicros <= 0)
            {
                continue;
            }
            _activity.Sleeps++;
            Doorbell.Sleep((int)Math.Clamp((waitMicros + 999) / 1000, 1, MaxSleepMilliseconds), _hasWork);
        }
        SynchronizationContext.SetSynchronizationContext(null);
        t_current = null;
    }

    /// <summary>
    /// Engine thread only: sends the ACKs owed at the end of a turn (see <see cref="NetworkEngine.SendEndOfTurnAcks"/>)
    /// once they have waited <see cref="AckHoldMicroseconds"/> for a reply to carry them, or at once with
    /// <paramref name="flush"/> (the engine is about to sleep).
    /// </summary>
    private void HoldOrSendEndOfTurnAcks(Time.IClock clock, bool flush)
    {
        if (!Engine.HasEndOfTurnAcks)
        {
            _acksHeldSince = 0;
            return;
        }
        long now = clock.NowMicroseconds;
        if (_acksHeldSince == 0 && !flush)
        {
            _acksHeldSince = now;
            return;
        }
        if (flush || now - _acksHeldSince >= AckHoldMicroseconds)
        {
            Engine.SendEndOfTurnAcks();
            _acksHeldSince = 0;
        }
    }

    /// <summary>Engine thread only: changes the idle fields under the sequence lock <see cref="IdleMicroseconds"/> reads with.</summary>
    private void SetIdle(long closedMicroseconds, long since)
    {
        Volatile.Write(ref _activity.Version, _activity.Version + 1);
        // Full fence: neither field's new value may become visible before the odd version.
        Interlocked.MemoryBarrier();
        _activity.IdleMicroseconds = closedMicroseconds;
        _activity.IdleSince = since;
        Volatile.Write(ref _activity.Version, _activity.Version + 1);
    }

    private bool HasWork() => _stopping || !_remote.IsEmpty || _local.Count > 0 || _stack.HasPacketsFor(CoreId);

    /// <summary>Runs posted work: everything queued before this call, so work that posts more cannot starve the packet path.</summary>
    private int RunWork()
    {
        int ran = 0;
        while (_remote.TryDequeue(out WorkItem item))
        {
            _local.Enqueue(item);
        }
        int count = _local.Count;
        for (int i = 0; i < count; i++)
        {
            WorkItem item = _local.Dequeue();
            try
            {
                item.Callback(item.State);
            }
            catch (Exception e)
            {
                _stack.ReportUnhandled(CoreId, e);
            }
            ran++;
        }
        return ran;
    }

    /// <summary>Releases the doorbell the idle engine sleeps on.</summary>
    public void Dispose() => Doorbell.Dispose();
}
