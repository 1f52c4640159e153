namespace Fastsocket.Time;

/// <summary>
/// A hashed timing wheel (Varghese and Lauck) with 1 ms ticks: O(1) arm, cancel and expiry per entry, no allocation.
/// Deadlines beyond one revolution stay in their slot and are skipped until their round comes.
/// Owned by one engine thread.
/// </summary>
public sealed class TimerWheel
{
    private const int SlotCount = 4096;
    private const long TickMicroseconds = 1000;

    private readonly TimerEntry?[] _slots = new TimerEntry?[SlotCount];
    private long _currentTick;
    private int _count;

    /// <summary>A wheel whose current tick is <paramref name="nowMicroseconds"/>.</summary>
    public TimerWheel(long nowMicroseconds)
    {
        _currentTick = nowMicroseconds / TickMicroseconds;
    }

    /// <summary>Entries armed.</summary>
    public int Count => _count;

    /// <summary>Arms (or re-arms) an entry; a deadline in the past fires on the next <see cref="Advance"/>.</summary>
    public void Schedule(TimerEntry entry, long deadlineMicroseconds)
    {
        if (entry.TimerArmed)
        {
            if (entry.TimerDeadline == deadlineMicroseconds)
            {
                return;
            }
            Unlink(entry);
        }
        long tick = Math.Max(deadlineMicroseconds / TickMicroseconds, _currentTick);
        int slot = (int)(tick & (SlotCount - 1));
        entry.TimerDeadline = deadlineMicroseconds;
        entry.TimerSlot = slot;
        entry.TimerPrev = null;
        entry.TimerNext = _slots[slot];
        if (entry.TimerNext is not null)
        {
            entry.TimerNext.TimerPrev = entry;
        }
        _slots[slot] = entry;
        _count++;
    }

    /// <summary>Disarms an entry; nothing happens when it is not armed.</summary>
    public void Cancel(TimerEntry entry)
    {
        if (entry.TimerArmed)
        {
            Unlink(entry);
            entry.TimerDeadline = long.MaxValue;
        }
    }

    /// <summary>Fires every entry whose deadline is at or before <paramref name="nowMicroseconds"/>; returns how many.</summary>
    public int Advance(long nowMicroseconds)
    {
        long targetTick = nowMicroseconds / TickMicroseconds;
        int fired = 0;
        if (_count == 0)
        {
            _currentTick = Math.Max(_currentTick, targetTick);
            return 0;
        }
        // A long jump (virtual time, or a stalled thread) needs at most one revolution of slot visits.
        long last = Math.Min(targetTick, _currentTick + SlotCount - 1);
        for (long tick = _currentTick; tick <= last; tick++)
        {
            int slot = (int)(tick & (SlotCount - 1));
            TimerEntry? entry = _slots[slot];
            while (entry is not null)
            {
                TimerEntry? next = entry.TimerNext;
                if (entry.TimerDeadline <= nowMicroseconds)
                {
                    Unlink(entry);
                    entry.TimerDeadline = long.MaxValue;
                    entry.OnTimer(nowMicroseconds);
                    fired++;
                    if (next is not null && next.TimerSlot != slot)
                    {
                        // The callback moved or cancelled our successor: rescan this slot from its head.
                        next = _slots[slot];
                    }
                }
                entry = next;
            }
        }
        _currentTick = targetTick;
        return fired;
    }

    /// <summary>The earliest armed deadline, or long.MaxValue; scans the wheel, so for idle sleeps, not the hot path.</summary>
    public long NextDeadline()
    {
        long best = long.MaxValue;
        if (_count == 0)
        {
            return best;
        }
        foreach (TimerEntry? head in _slots)
        {
            for (TimerEntry? e = head; e is not null; e = e.TimerNext)
            {
                best = Math.Min(best, e.TimerDeadline);
            }
        }
        return best;
    }

    private void Unlink(TimerEntry entry)
    {
        if (entry.TimerPrev is not null)
        {
            entry.TimerPrev.TimerNext = entry.TimerNext;
        }
        else
        {
            _slots[entry.TimerSlot] = entry.TimerNext;
        }
        if (entry.TimerNext is not null)
        {
            entry.TimerNext.TimerPrev = entry.TimerPrev;
        }
        entry.TimerNext = null;
        entry.TimerPrev = null;
        entry.TimerSlot = -1;
        _count--;
    }
}
