namespace Fastsocket.Tests.Stack;

/// <summary>
/// Tests that read process-wide or per-thread counters (heap size, allocated bytes) run alone: other tests running
/// at the same time would add their own allocations and load to what is measured. Real-time runs that assert a clean
/// run (no drops, no retransmission) run here too, for the same reason.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasurementCollection
{
    public const string Name = "Measurement";
}
