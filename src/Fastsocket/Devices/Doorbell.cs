namespace Fastsocket.Devices;

/// <summary>
/// Wakes one sleeping engine. Producers (a device queue delivering packets, another core posting work) call
/// <see cref="Ring"/> after publishing; it costs a fence and a read unless the engine has announced that it sleeps,
/// so a busy engine is never signalled. The engine calls <see cref="Sleep"/> only after checking it has no work.
/// </summary>
public sealed class Doorbell : IDisposable
{
    private readonly ManualResetEventSlim _event = new(false, spinCount: 0);
    private int _sleeping;

    /// <summary>Producer side: call after making work visible.</summary>
    public void Ring()
    {
        // Store-load fence (Dekker): either we see the sleeper's flag, or the sleeper's re-check sees our work.
        Interlocked.MemoryBarrier();
        RingAfterFence();
    }

    /// <summary>
    /// Producer side, for a caller that has already issued a full fence after the store that made its work visible
    /// (a ring's publish does): the same as <see cref="Ring"/> without a second fence per flush.
    /// </summary>
    internal void RingAfterFence()
    {
        if (Volatile.Read(ref _sleeping) != 0)
        {
            _event.Set();
        }
    }

    /// <summary>
    /// Consumer side: sleeps up to <paramref name="timeoutMilliseconds"/> unless <paramref name="hasWork"/> says
    /// work arrived after the announcement. Returns true when woken by a ring.
    /// </summary>
    public bool Sleep(int timeoutMilliseconds, Func<bool> hasWork)
    {
        ArgumentNullException.ThrowIfNull(hasWork);
        _event.Reset();
        Interlocked.Exchange(ref _sleeping, 1);
        try
        {
            if (hasWork())
            {
                return true;
            }
            return _event.Wait(timeoutMilliseconds);
        }
        finally
        {
            Volatile.Write(ref _sleeping, 0);
        }
    }

    /// <summary>Releases the wait handle. Call only after the engine has stopped sleeping on it and producers stopped ringing it.</summary>
    public void Dispose() => _event.Dispose();
}
