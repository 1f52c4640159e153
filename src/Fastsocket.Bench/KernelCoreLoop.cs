using System.Collections.Concurrent;
using Fastsocket.Bench.KernelEpoll;

namespace Fastsocket.Bench;

/// <summary>
/// One core of the System.Net.Sockets kernel rows: a thread pinned to its CPU that runs the async code posted to it,
/// and every continuation of that code, as the stack's engine threads do. It is the awaiting code's
/// <see cref="SynchronizationContext"/>, so an <c>await</c> on a socket resumes here and not on the thread pool. The
/// runtime's own socket event thread still does the waiting on epoll and posts completions here: that hop is part of
/// what System.Net.Sockets costs, and what <c>kernel-epoll</c> shows without.
/// </summary>
internal sealed class KernelCoreLoop : SynchronizationContext, IDisposable
{
    private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _work = new();
    private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 100);
    private readonly Thread _thread;
    private readonly int _cpu;
    private int _sleeping;
    private volatile bool _stopping;

    /// <summary>Starts the loop's thread, pinned to <paramref name="cpu"/> (modulo the CPUs there are).</summary>
    public KernelCoreLoop(int cpu, string name)
    {
        _cpu = cpu;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Whether the thread was pinned (false where the OS refused or is not Linux).</summary>
    public bool Pinned { get; private set; }

    /// <summary>Queues <paramref name="d"/> to run on the loop's thread.</summary>
    public override void Post(SendOrPostCallback d, object? state)
    {
        _work.Enqueue((d, state));
        // Enqueue is a full fence, so this read cannot see a stale 0 while the loop goes to sleep on an empty queue.
        if (Volatile.Read(ref _sleeping) == 1)
        {
            _wake.Set();
        }
    }

    /// <summary>Runs <paramref name="d"/> on the loop's thread and waits for it (not from the loop itself).</summary>
    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("Post to a bench core; do not block on it.");

    /// <summary>This context: one loop, one thread, no copy needed.</summary>
    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Starts <paramref name="work"/> on the loop's thread; its awaits resume there too.</summary>
    public Task Start(Func<Task> work)
    {
        var started = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(static state =>
        {
            var (work, started) = ((Func<Task>, TaskCompletionSource<Task>))state!;
            try
            {
                started.SetResult(work());
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        }, (work, started));
        return started.Task.Unwrap();
    }

    private void Run()
    {
        Pinned = OperatingSystem.IsLinux() && EpollNative.PinCurrentThread(_cpu);
        SetSynchronizationContext(this);
        while (true)
        {
            while (_work.TryDequeue(out var item))
            {
                item.Callback(item.State);
            }

            if (_stopping)
            {
                return;
            }

            Interlocked.Exchange(ref _sleeping, 1);
            if (!_work.IsEmpty || _stopping)
            {
                Volatile.Write(ref _sleeping, 0);
                continue;
            }

            _wake.Wait();
            _wake.Reset();
            Volatile.Write(ref _sleeping, 0);
        }
    }

    /// <summary>Runs what is queued, then stops the thread and waits for it (briefly).</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        // A thread still running (a callback that never returned) keeps its event; disposing it would fault the thread.
        if (_thread.Join(TimeSpan.FromSeconds(5)))
        {
            _wake.Dispose();
        }
    }
}
