using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Fastsocket.Diagnostics;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Diagnostics;

/// <summary>
/// The Fastsocket event source as an EventListener (the in-process form of dotnet-trace) sees it. One class, so no
/// other test's listener is enabled while the allocation test checks the disabled path.
/// </summary>
public class FastsocketEventSourceTests
{
    private static readonly FlowKey Flow = new(IpAddress.FromIPv4(198, 18, 0, 2), 80, IpAddress.FromIPv4(198, 18, 0, 1), 40001);

    // The listener is process-wide: stacks of tests running in parallel (lossy links, timeouts) report into it too, so
    // each test reports under a stack name of its own and looks only at its own events.
    private static IEnumerable<EventWrittenEventArgs> Own(CapturingListener listener, string stack) =>
        listener.Events.Where(e => e.Payload is { Count: > 0 } && Equals(e.Payload[0], stack));

    [Fact]
    public void TheSourceIsFoundByItsName()
    {
        Assert.Equal("Fastsocket", FastsocketEventSource.Log.Name);
        Assert.Contains(EventSource.GetSources(), s => s.Name == FastsocketEventSource.SourceName);
        Assert.Null(FastsocketEventSource.Log.ConstructionException);
    }

    [Fact]
    public void AConnectionResetCarriesItsEndPointsAndState()
    {
        using var listener = new CapturingListener(EventLevel.Informational, FastsocketEventSource.Keywords.Connections);
        FastsocketEventSource.Log.ReportConnectionReset("web-reset", 3, Flow, TcpState.Established);

        EventWrittenEventArgs e = Assert.Single(Own(listener, "web-reset"));
        Assert.Equal(FastsocketEventSource.ConnectionResetEventId, e.EventId);
        Assert.Equal("ConnectionReset", e.EventName);
        Assert.Equal(EventLevel.Informational, e.Level);
        Assert.Equal(["stack", "core", "localEndPoint", "remoteEndPoint", "state"], e.PayloadNames!);
        Assert.Equal(["web-reset", 3, "198.18.0.2:80", "198.18.0.1:40001", "Established"], e.Payload!);
    }

    [Fact]
    public void ARetransmissionTimeoutCarriesTheAttemptAndTheNextTimeout()
    {
        using var listener = new CapturingListener(EventLevel.Informational, FastsocketEventSource.Keywords.Retransmissions);
        FastsocketEventSource.Log.ReportRetransmissionTimeout("web-rto", 1, Flow, TcpState.SynSent, attempt: 2, rtoMicroseconds: 2_000_000);

        EventWrittenEventArgs e = Assert.Single(Own(listener, "web-rto"));
        Assert.Equal("RetransmissionTimeout", e.EventName);
        Assert.Equal(["stack", "core", "localEndPoint", "remoteEndPoint", "state", "attempt", "rtoMicroseconds"], e.PayloadNames!);
        Assert.Equal(["web-rto", 1, "198.18.0.2:80", "198.18.0.1:40001", "SynSent", 2, 2_000_000L], e.Payload!);
    }

    [Fact]
    public void AFullListenQueueIsAWarningNamingThePortAndTheRefusedPeer()
    {
        using var listener = new CapturingListener(EventLevel.Warning, FastsocketEventSource.Keywords.Listeners);
        FastsocketEventSource.Log.ReportListenQueueFull("web-queue", 0, Flow, backlog: 128);

        EventWrittenEventArgs e = Assert.Single(Own(listener, "web-queue"));
        Assert.Equal("ListenQueueFull", e.EventName);
        Assert.Equal(EventLevel.Warning, e.Level);
        Assert.Equal(["web-queue", 0, 80, "198.18.0.1:40001", 128], e.Payload!);
        Assert.Contains("port 80", string.Format(System.Globalization.CultureInfo.InvariantCulture, e.Message!, [.. e.Payload!]), StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyTheKeywordsASessionAskedForAreWritten()
    {
        using var listener = new CapturingListener(EventLevel.Informational, FastsocketEventSource.Keywords.Listeners);
        FastsocketEventSource.Log.ReportConnectionReset("web-keywords", 0, Flow, TcpState.Established);
        FastsocketEventSource.Log.ReportRetransmissionTimeout("web-keywords", 0, Flow, TcpState.Established, 1, 1_000_000);
        FastsocketEventSource.Log.ReportListenQueueFull("web-keywords", 0, Flow, 1);
        Assert.Equal(["ListenQueueFull"], Own(listener, "web-keywords").Select(e => e.EventName));
    }

    [Fact]
    public void WithoutASessionReportingAllocatesNothing()
    {
        Assert.False(FastsocketEventSource.Log.IsEnabled(), "another listener is enabled");
        // Warm up: the first calls may JIT.
        Report(10);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Report(1000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void Report(int times)
        {
            for (int i = 0; i < times; i++)
            {
                FastsocketEventSource.Log.ReportConnectionReset("web", 0, Flow, TcpState.Established);
                FastsocketEventSource.Log.ReportRetransmissionTimeout("web", 0, Flow, TcpState.Established, i, 1_000_000);
                FastsocketEventSource.Log.ReportListenQueueFull("web", 0, Flow, 128);
            }
        }
    }

    /// <summary>Enables the Fastsocket source at a level and keywords and keeps what it writes.</summary>
    private sealed class CapturingListener : EventListener
    {
        private readonly ConcurrentQueue<EventWrittenEventArgs> _events = new();

        public CapturingListener(EventLevel level, EventKeywords keywords)
        {
            EnableEvents(FastsocketEventSource.Log, level, keywords);
        }

        public IReadOnlyList<EventWrittenEventArgs> Events => [.. _events];

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventSource.Name == FastsocketEventSource.SourceName && eventData.EventId > 0)
            {
                _events.Enqueue(eventData);
            }
        }
    }
}
