using System.Diagnostics;
using System.Net;
using Fastsocket.Sockets;
using Fastsocket.Stack;

// These tests drive awaitables step by step, as the compiler's await would, to see exactly when each one resumes.
#pragma warning disable CA2012

namespace Fastsocket.Tests.Stack;

/// <summary>
/// The reusable operation behind FastSocket's awaits, completed on one thread while awaited on another: a completion
/// must resume only the await it completed, never the next one the awaiter started on the same operation.
/// </summary>
public sealed class CoreOperationRaceTests
{
    // A bound on waiting for another thread, so that a broken build fails instead of hanging; not a timing assertion.
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The soak test's abort, step by step: the completer is held just after its completion became visible; meanwhile the
    /// awaiter takes that result without waiting and starts the next operation, which registers a continuation. When the
    /// completer goes on it must not resume that continuation: only the next operation's own completion may.
    /// </summary>
    [Fact]
    public void ACompletionDoesNotResumeTheNextOperationsAwait()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1);
        var op = new CoreOperation<int>(pair.Server.Core(0));
        using var paused = new ManualResetEventSlim();
        using var proceed = new ManualResetEventSlim();
        op.AfterCompletionVisibleForTests = () =>
        {
            op.AfterCompletionVisibleForTests = null;
            paused.Set();
            proceed.Wait(Limit);
        };

        ValueTask<int> first = op.Begin();
        var completer = new Thread(() => op.SetResult(1)) { IsBackground = true };
        completer.Start();
        Assert.True(paused.Wait(Limit), "the completer never reached the pause");

        // What `await socket.SendAsync(...)` in a loop does when the send is already complete: take the result, send again.
        Assert.True(first.IsCompleted);
        Assert.Equal(1, ResultOf(first));
        ValueTask<int> second = op.Begin();
        Assert.False(second.IsCompleted);
        var context = new RecordingContext();
        var completedWhenResumed = new List<bool>();
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            second.GetAwaiter().UnsafeOnCompleted(() => completedWhenResumed.Add(second.IsCompleted));
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        proceed.Set();
        Assert.True(completer.Join(Limit));
        Assert.Equal(0, context.Pending);

        op.SetResult(2);
        Assert.Equal(1, context.Pending);
        context.RunPosted();
        Assert.Equal([true], completedWhenResumed);
        Assert.Equal(2, ResultOf(second));
        Assert.Equal(0, context.Pending);
    }

    /// <summary>
    /// The other order: the awaiter registers its continuation while the completer is held after publishing. The
    /// continuation then runs exactly once, after the completion, whichever of the two hands it over.
    /// </summary>
    [Fact]
    public void AContinuationRegisteredDuringTheCompletionRunsOnceAfterIt()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1);
        var op = new CoreOperation<int>(pair.Server.Core(0));
        using var paused = new ManualResetEventSlim();
        using var proceed = new ManualResetEventSlim();
        op.AfterCompletionVisibleForTests = () =>
        {
            op.AfterCompletionVisibleForTests = null;
            paused.Set();
            proceed.Wait(Limit);
        };
        ValueTask<int> pending = op.Begin();
        var context = new RecordingContext();
        var completedWhenResumed = new List<bool>();
        var completer = new Thread(() => op.SetResult(7)) { IsBackground = true };
        completer.Start();
        Assert.True(paused.Wait(Limit), "the completer never reached the pause");

        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            // Registered after the completion became visible: it is handed over at once, and to the awaiter's context.
            pending.GetAwaiter().UnsafeOnCompleted(() => completedWhenResumed.Add(pending.IsCompleted));
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
        proceed.Set();
        Assert.True(completer.Join(Limit));
        Assert.Equal(1, context.Pending);
        context.RunPosted();
        Assert.Equal([true], completedWhenResumed);
        Assert.Equal(7, ResultOf(pending));
    }

    /// <summary>
    /// The soak's pattern without the pause: on each of several connections a thread-pool loop sends numbered bytes and
    /// another receives and checks them, so every operation is armed off the core and completed on it, thousands of times.
    /// Bounded by count and by a deadline; an early resume shows as an exception or as bytes out of order.
    /// </summary>
    [Fact]
    public async Task SendsAndReceivesAwaitedFromThePoolCompleteInOrder()
    {
        const int Connections = 4;
        const int MessagesPerConnection = 4000;
        const int MessageSize = 64;
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 2, clientCores: 2);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 9));
        listener.Listen();
        var deadline = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(10);
        var work = new List<Task<long>>();
        var sockets = new List<FastSocket>();
        for (int i = 0; i < Connections; i++)
        {
            var client = new FastSocket(pair.Client);
            ValueTask<FastSocket> accept = listener.AcceptAsync();
            await client.ConnectAsync(pair.ServerEndPoint(9)).AsTask().WaitAsync(Limit);
            FastSocket server = await accept.AsTask().WaitAsync(Limit);
            sockets.Add(client);
            sockets.Add(server);
            work.Add(Task.Run(() => SendNumbered(client, MessagesPerConnection, MessageSize, deadline, budget)));
            work.Add(Task.Run(() => ReceiveNumbered(server, deadline, budget)));
        }
        long[] counts = await Task.WhenAll(work).WaitAsync(Limit);
        foreach (FastSocket s in sockets)
        {
            s.Dispose();
        }
        for (int i = 0; i < Connections; i++)
        {
            long sent = counts[2 * i];
            long received = counts[2 * i + 1];
            Assert.Equal(sent, received);
            // Bounded by the deadline, but it must have done real work to mean anything.
            Assert.True(sent >= MessageSize * 100, $"only {sent} bytes went through connection {i}");
        }
    }

    /// <summary>The result of an awaitable the test has just seen complete (an await would hide when it resumed).</summary>
    private static int ResultOf(ValueTask<int> completed)
    {
        Assert.True(completed.IsCompleted);
        return completed.Result;
    }

    private static async Task<long> SendNumbered(FastSocket socket, int messages, int size, Stopwatch clock, TimeSpan budget)
    {
        byte[] buffer = new byte[size];
        long sent = 0;
        for (int m = 0; m < messages && clock.Elapsed < budget; m++)
        {
            for (int i = 0; i < size; i++)
            {
                buffer[i] = (byte)((sent + i) % 251);
            }
            int n = await socket.SendAsync(buffer);
            Assert.Equal(size, n);
            sent += n;
        }
        socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        return sent;
    }

    private static async Task<long> ReceiveNumbered(FastSocket socket, Stopwatch clock, TimeSpan budget)
    {
        byte[] buffer = new byte[256];
        long received = 0;
        while (clock.Elapsed < budget + Limit)
        {
            int n = await socket.ReceiveAsync(buffer);
            if (n == 0)
            {
                return received;
            }
            for (int i = 0; i < n; i++)
            {
                Assert.Equal((byte)((received + i) % 251), buffer[i]);
            }
            received += n;
        }
        throw new TimeoutException("the peer never closed");
    }

    /// <summary>A synchronization context that keeps what is posted to it until the test runs it, so a test sees every resume.</summary>
    private sealed class RecordingContext : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback Callback, object? State)> _posted = new();

        public int Pending
        {
            get
            {
                lock (_posted)
                {
                    return _posted.Count;
                }
            }
        }

        public override void Post(SendOrPostCallback d, object? state)
        {
            lock (_posted)
            {
                _posted.Enqueue((d, state));
            }
        }

        public void RunPosted()
        {
            while (true)
            {
                (SendOrPostCallback Callback, object? State) item;
                lock (_posted)
                {
                    if (!_posted.TryDequeue(out item))
                    {
                        return;
                    }
                }
                item.Callback(item.State);
            }
        }
    }
}
