using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// A diagnostic of the bench's Kestrel server, on when FASTSOCKET_REAL_STATS=1: every 250 ms a line
/// <c>stats alloc=BYTES tp=ITEMS gen0=N contention=N</c> (managed bytes allocated, thread-pool work items completed,
/// gen0 collections and lock contentions so far), so that a run's per-connection allocation and thread hand-offs can be
/// read as differences over its measured window; and, when disposed, the runtime's allocation samples (one per
/// ~100 KB allocated) counted by type, the most frequent first, as <c>alloctick COUNT TYPE</c> lines.
/// </summary>
internal sealed class RealAllocationSampler : EventListener
{
    /// <summary>The environment variable that turns the sampler on.</summary>
    public const string Variable = "FASTSOCKET_REAL_STATS";

    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _samplesByType = new();
    private readonly TextWriter _output;
    private readonly Timer _timer;

    /// <summary>Starts sampling and the periodic <c>stats</c> lines on <paramref name="output"/>.</summary>
    public RealAllocationSampler(TextWriter output)
    {
        _output = output;
        _timer = new Timer(static s => ((RealAllocationSampler)s!).WriteStats(), this, 250, 250);
    }

    /// <summary>Subscribes to the runtime's GC events, whose verbose level carries the allocation samples.</summary>
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    /// <summary>Counts one allocation sample under its type's name.</summary>
    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.Payload is not { } payload)
        {
            return;
        }
        int index = eventData.PayloadNames?.IndexOf("TypeName") ?? -1;
        string type = index >= 0 ? payload[index]?.ToString() ?? "?" : "?";
        _samplesByType.AddOrUpdate(type, 1, static (_, count) => count + 1);
    }

    /// <summary>Stops the periodic lines and writes the samples by type.</summary>
    public override void Dispose()
    {
        _timer.Dispose();
        base.Dispose();
        foreach ((string type, long count) in _samplesByType.OrderByDescending(static p => p.Value).Take(40))
        {
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"alloctick {count} {type}"));
        }
        _output.Flush();
    }

    private void WriteStats()
    {
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stats alloc={GC.GetTotalAllocatedBytes(precise: false)} tp={ThreadPool.CompletedWorkItemCount} gen0={GC.CollectionCount(0)} contention={Monitor.LockContentionCount}"));
        _output.Flush();
    }
}
