namespace Fastsocket.Tcp;

/// <summary>Where <see cref="HyStartPlusPlus"/> is in a connection's first slow start.</summary>
public enum HyStartPhase
{
    /// <summary>Not running: disabled, finished, or a loss already ended slow start.</summary>
    Off,

    /// <summary>Standard slow start, watching each round's minimum RTT.</summary>
    SlowStart,

    /// <summary>Conservative Slow Start: a quarter of slow start's growth while the delay increase is confirmed.</summary>
    ConservativeSlowStart,
}
