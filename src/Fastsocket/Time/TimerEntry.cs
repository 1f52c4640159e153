namespace Fastsocket.Time;

/// <summary>
/// A node of the engine's <see cref="TimerWheel"/>. Intrusive (the links live in the object) so that arming and
/// cancelling a timer allocates nothing.
/// </summary>
public abstract class TimerEntry
{
    internal TimerEntry? TimerNext;
    internal TimerEntry? TimerPrev;
    internal int TimerSlot = -1;

    /// <summary>When the entry is due, in clock microseconds; long.MaxValue when not armed.</summary>
    public long TimerDeadline { get; internal set; } = long.MaxValue;

    /// <summary>Whether the entry is in a wheel, waiting for its deadline.</summary>
    public bool TimerArmed => TimerSlot >= 0;

    /// <summary>Called on the owning engine when the deadline has passed.</summary>
    internal abstract void OnTimer(long nowMicroseconds);
}
