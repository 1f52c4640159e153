namespace Fastsocket.Bench;

/// <summary>One progress sample of a running bench run, as <see cref="IBenchObserver.RunProgressed"/> receives it.</summary>
/// <param name="Elapsed">Time since the target started its load (zero while it is still setting up).</param>
/// <param name="IsWarmup">Whether the run is still in its unmeasured warm-up.</param>
/// <param name="Rate">Connections per second completed since the previous sample.</param>
/// <param name="Completed">Connections completed so far, warm-up included.</param>
/// <param name="Errors">Connections failed so far, warm-up included.</param>
public readonly record struct BenchTick(TimeSpan Elapsed, bool IsWarmup, double Rate, long Completed, long Errors);
