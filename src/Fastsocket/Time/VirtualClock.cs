namespace Fastsocket.Time;

/// <summary>A clock that moves only when told to: deterministic time for tests and simulations.</summary>
public sealed class VirtualClock : IClock
{
    public VirtualClock(long startMicroseconds = 1_000_000)
    {
        NowMicroseconds = startMicroseconds;
    }

    public long NowMicroseconds { get; private set; }

    public void Advance(long microseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(microseconds);
        NowMicroseconds += microseconds;
    }

    public void AdvanceTo(long microseconds)
    {
        if (microseconds > NowMicroseconds)
        {
            NowMicroseconds = microseconds;
        }
    }
}
