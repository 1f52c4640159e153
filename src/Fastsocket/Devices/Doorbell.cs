using Fastsocket.Interop;

namespace Fastsocket.Devices;

/// <summary>
/// Wakes one sleeping engine. Producers (a device queue delivering packets, another core posting work) call
/// <see cref="Ring"/> after publishing; it costs a fence and a read unless the engine has announced that it sleeps,
/// so a busy engine is never signalled. The engine calls <see cref="Sleep"/> only after checking it has no work.
/// </summary>
/// <remarks>
/// A doorbell made with <c>watchesDescriptors</c> lets a kernel-backed device queue (a TUN queue) hand it its file
/// descriptor instead of running a thread that waits on the descriptor and rings: the engine then sleeps in one poll(2)
/// on that descriptor and on an eventfd that <see cref="Ring"/> raises, so a packet arriving wakes the engine directly,
/// one thread switch instead of two (the waiter's, then the engine's) and no waiter thread competing for the CPU.
/// </remarks>
public sealed class Doorbell : IDisposable
{
    private const int MaxWatchedDescriptors = 8;

    private readonly ManualResetEventSlim _event = new(false, spinCount: 0);
    private readonly bool _watchesDescriptors;
    // Slot 0 is the eventfd, then the watched descriptors; set up before the engine starts, read only by the sleeper.
    private PollFd[] _pollFds = [];
    private int _eventFd = -1;
    private int _sleeping;

    /// <summary>A doorbell whose sleeper waits on an event that <see cref="Ring"/> sets.</summary>
    public Doorbell()
        : this(watchesDescriptors: false)
    {
    }

    /// <summary>
    /// A doorbell that, with <paramref name="watchesDescriptors"/>, accepts file descriptors from device queues
    /// (<see cref="TryWatchDescriptor"/>) and sleeps in poll(2) on them (Linux; elsewhere it never accepts one).
    /// </summary>
    public Doorbell(bool watchesDescriptors)
    {
        _watchesDescriptors = watchesDescriptors && OperatingSystem.IsLinux();
    }

    /// <summary>Whether the sleeper waits in poll(2) on device descriptors as well as on rings.</summary>
    public bool WatchesDescriptors => _eventFd >= 0;

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
            if (_eventFd >= 0)
            {
                RaiseEventFd();
            }
            else
            {
                _event.Set();
            }
        }
    }

    /// <summary>
    /// Device side, before the engine starts: asks the sleeper to watch <paramref name="fd"/> for POLLIN itself.
    /// Returns false when this doorbell does not watch descriptors (the device then wakes it some other way).
    /// </summary>
    internal bool TryWatchDescriptor(int fd)
    {
        if (!_watchesDescriptors || _pollFds.Length == MaxWatchedDescriptors + 1)
        {
            return false;
        }
        if (_eventFd < 0)
        {
            int eventFd = Libc.EventFd(0, Libc.EventFdNonBlockingCloseOnExec);
            if (eventFd < 0)
            {
                return false;
            }
            _pollFds = [new PollFd { Fd = eventFd, Events = Libc.POLLIN }];
            _eventFd = eventFd;
        }
        PollFd[] grown = new PollFd[_pollFds.Length + 1];
        _pollFds.CopyTo(grown, 0);
        grown[^1] = new PollFd { Fd = fd, Events = Libc.POLLIN };
        _pollFds = grown;
        return true;
    }

    /// <summary>
    /// Consumer side: sleeps up to <paramref name="timeoutMilliseconds"/> unless <paramref name="hasWork"/> says
    /// work arrived after the announcement. Returns true when woken by a ring (or, watching descriptors, by one of
    /// them becoming readable).
    /// </summary>
    public bool Sleep(int timeoutMilliseconds, Func<bool> hasWork)
    {
        ArgumentNullException.ThrowIfNull(hasWork);
        if (_eventFd >= 0)
        {
            return SleepInPoll(timeoutMilliseconds, hasWork);
        }
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

    private unsafe bool SleepInPoll(int timeoutMilliseconds, Func<bool> hasWork)
    {
        Interlocked.Exchange(ref _sleeping, 1);
        try
        {
            if (hasWork())
            {
                return true;
            }
            // Level-triggered: a ring that came after the announcement left the eventfd readable, and a packet that
            // arrived left its queue readable, so neither is lost between the check above and this call.
            fixed (PollFd* fds = _pollFds)
            {
                int ready = Libc.Poll(fds, (nuint)_pollFds.Length, timeoutMilliseconds);
                if (ready > 0 && (fds[0].Revents & Libc.POLLIN) != 0)
                {
                    ulong count;
                    _ = Libc.Read(_eventFd, (byte*)&count, sizeof(ulong));
                }
                return ready > 0;
            }
        }
        finally
        {
            Volatile.Write(ref _sleeping, 0);
        }
    }

    private unsafe void RaiseEventFd()
    {
        ulong one = 1;
        // EAGAIN (the counter at its maximum) still leaves it readable; nothing else can fail on an open eventfd.
        _ = Libc.Write(_eventFd, (byte*)&one, sizeof(ulong));
    }

    /// <summary>Releases the wait handle and the eventfd. Call only after the engine has stopped sleeping on it and producers stopped ringing it.</summary>
    public void Dispose()
    {
        _event.Dispose();
        int eventFd = Interlocked.Exchange(ref _eventFd, -1);
        if (eventFd >= 0)
        {
            Libc.Close(eventFd);
        }
    }
}
