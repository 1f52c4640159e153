using System.Collections.Concurrent;

namespace Fastsocket.Sockets;

/// <summary>
/// An epoll-like readiness poller for servers written in the readiness style: register sockets with an interest
/// set, then <see cref="Wait"/> for the ones that are ready. Level-triggered: a socket stays reported while it is ready.
/// Engine cores mark sockets as candidates when their state changes; Wait re-checks each candidate's readiness.
/// </summary>
public sealed class SocketPoller : IDisposable
{
    private readonly ConcurrentDictionary<FastSocket, PollEvents> _interest = new();
    private readonly ConcurrentQueue<FastSocket> _candidates = new();
    private readonly SemaphoreSlim _signal = new(0);

    /// <summary>Sockets currently registered.</summary>
    public int Count => _interest.Count;

    /// <summary>
    /// Watches <paramref name="socket"/> for <paramref name="interest"/> (replacing any earlier interest) and checks it at
    /// the next <see cref="Wait"/>. <see cref="PollEvents.HangUp"/> and <see cref="PollEvents.Error"/> are reported even when
    /// not asked for. A socket reports to one poller at a time: registering it here redirects its notifications from any other. Any thread.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    public void Register(FastSocket socket, PollEvents interest)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _interest[socket] = interest;
        socket.AttachPoller(this);
        Notify(socket);
    }

    /// <summary>Changes the interest set; the same as <see cref="Register"/> (epoll's EPOLL_CTL_MOD).</summary>
    public void Modify(FastSocket socket, PollEvents interest) => Register(socket, interest);

    /// <summary>Stops watching <paramref name="socket"/>; a stale candidate already queued is skipped by <see cref="Wait"/>. Any thread.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    public void Unregister(FastSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _interest.TryRemove(socket, out _);
        socket.AttachPoller(null);
    }

    /// <summary>
    /// Fills <paramref name="results"/> with ready sockets and returns how many; waits up to
    /// <paramref name="timeoutMilliseconds"/> (-1: forever) when none is ready. 0 means the timeout passed.
    /// </summary>
    public int Wait(Span<PollResult> results, int timeoutMilliseconds)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            int n = Collect(results);
            if (n > 0)
            {
                return n;
            }
            if (!_signal.Wait(timeoutMilliseconds))
            {
                return Collect(results);
            }
        }
    }

    private int Collect(Span<PollResult> results)
    {
        int n = 0;
        int pending = _candidates.Count;
        var stillReady = new List<FastSocket>();
        for (int i = 0; i < pending && n < results.Length && _candidates.TryDequeue(out FastSocket? socket); i++)
        {
            if (!_interest.TryGetValue(socket, out PollEvents interest))
            {
                continue;
            }
            socket.ClearPollQueued();
            PollEvents ready = socket.Readiness() & (interest | PollEvents.HangUp | PollEvents.Error);
            if (ready != PollEvents.None)
            {
                results[n++] = new PollResult(socket, ready);
                stillReady.Add(socket);
            }
        }
        // Level-triggered: what was ready is checked again on the next Wait.
        foreach (FastSocket socket in stillReady)
        {
            Notify(socket);
        }
        return n;
    }

    internal void Notify(FastSocket socket)
    {
        if (socket.TryMarkPollQueued())
        {
            _candidates.Enqueue(socket);
            _signal.Release();
        }
    }

    private bool _disposed;

    /// <summary>Releases the wake-up semaphore; later <see cref="Wait"/> calls throw <see cref="ObjectDisposedException"/>. Do not dispose while a thread is in <see cref="Wait"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _signal.Dispose();
    }
}
