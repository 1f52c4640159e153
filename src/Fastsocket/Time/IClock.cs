namespace Fastsocket.Time;

/// <summary>
/// The engine's only source of time. Microseconds on a monotonic scale whose origin is arbitrary.
/// Tests drive a <see cref="VirtualClock"/>, so nothing in them sleeps or depends on the wall clock.
/// </summary>
public interface IClock
{
    /// <summary>The current time in microseconds, from an arbitrary origin; never goes back.</summary>
    long NowMicroseconds { get; }
}
