namespace Fastsocket.Time;

/// <summary>A clock that moves only when told to: deterministic time for tests and simulations.</summary>
public sealed class VirtualClock : IClock
{
    /// <summary>A clock that starts at <paramref name="startMicroseconds"/> and moves only when told.</summary>
    public VirtualClock(long startMicroseconds = 1_000_000)
    {
        NowMicroseconds = startMicroseconds;
    }

    /// <inheritdoc/>
    public long NowMicroseconds { get; private set; }

    /// <summary>Moves the clock forward by <paramref name="microseconds"/>.</summary>
    public void Advance(long microseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(microseconds);
        NowMicroseconds += microseconds;
    }

    /// <summary>Moves the clock to <paramref name="microseconds"/> (never back).</summary>
    public void AdvanceTo(long microseconds)
    {
        if (microseconds > NowMicroseconds)
        {
            NowMicroseconds = microseconds;
        }
    }
}
