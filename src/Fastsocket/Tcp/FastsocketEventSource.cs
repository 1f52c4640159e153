using System.Diagnostics.Tracing;
using System.Globalization;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// The stack's rare events for EventPipe and ETW tools (<c>dotnet-trace collect --providers Fastsocket</c>,
/// PerfView, an in-process <see cref="EventListener"/>): a connection reset by its peer, a retransmission timeout,
/// a SYN refused because the listen queue was full. Counts of these live in the <c>Fastsocket</c> meter; this
/// source says which connection it was.
/// </summary>
/// <remarks>
/// Uses only <see cref="Wire"/> types so that every layer above, TCP included, may report to it. The
/// <c>Report*</c> methods take the stack's own values (a <see cref="FlowKey"/>, an enum) and format the payload's
/// strings only when a listener asked for that event: with no session, a call costs one field read and allocates
/// nothing, so the engine may call them where the event happens.
/// </remarks>
[EventSource(Name = SourceName)]
public sealed class FastsocketEventSource : EventSource
{
    /// <summary>The provider name tools subscribe to.</summary>
    public const string SourceName = "Fastsocket";

    /// <summary>Event id of <see cref="ConnectionReset"/>.</summary>
    public const int ConnectionResetEventId = 1;

    /// <summary>Event id of <see cref="RetransmissionTimeout"/>.</summary>
    public const int RetransmissionTimeoutEventId = 2;

    /// <summary>Event id of <see cref="ListenQueueFull"/>.</summary>
    public const int ListenQueueFullEventId = 3;

    private FastsocketEventSource()
    {
    }

    /// <summary>The one instance; the runtime finds it by its name.</summary>
    public static FastsocketEventSource Log { get; } = new();

    /// <summary>Keyword groups a session can select.</summary>
    public static class Keywords
    {
        /// <summary>Connections that ended abnormally (reset).</summary>
        public const EventKeywords Connections = (EventKeywords)0x1;

        /// <summary>Retransmission timeouts.</summary>
        public const EventKeywords Retransmissions = (EventKeywords)0x2;

        /// <summary>Listeners refusing connections.</summary>
        public const EventKeywords Listeners = (EventKeywords)0x4;
    }

    /// <summary>
    /// A connection was reset by its peer (an acceptable RST, RFC 9293 3.10.7 and RFC 5961 3.2), in the state
    /// <paramref name="state"/> it was in.
    /// </summary>
    [Event(ConnectionResetEventId, Level = EventLevel.Informational, Keywords = Keywords.Connections,
        Message = "Stack {0} core {1}: connection {2} <-> {3} reset by peer in {4}")]
    public void ConnectionReset(string stack, int core, string localEndPoint, string remoteEndPoint, string state) =>
        WriteEvent(ConnectionResetEventId, stack, core, localEndPoint, remoteEndPoint, state);

    /// <summary>
    /// The retransmission timer of a connection expired (RFC 6298 5.4 to 5.6): it resends from SND.UNA with the
    /// backed-off timeout <paramref name="rtoMicroseconds"/>; <paramref name="attempt"/> counts the consecutive
    /// timeouts, 1 for the first.
    /// </summary>
    [Event(RetransmissionTimeoutEventId, Level = EventLevel.Informational, Keywords = Keywords.Retransmissions,
        Message = "Stack {0} core {1}: retransmission timeout {5} on {2} <-> {3} in {4}, next RTO {6} us")]
    public void RetransmissionTimeout(string stack, int core, string localEndPoint, string remoteEndPoint, string state, int attempt, long rtoMicroseconds) =>
        WriteEvent(RetransmissionTimeoutEventId, stack, core, localEndPoint, remoteEndPoint, state, attempt, rtoMicroseconds);

    /// <summary>A SYN to a listening port was dropped because its accept and SYN queues were full (the backlog).</summary>
    [Event(ListenQueueFullEventId, Level = EventLevel.Warning, Keywords = Keywords.Listeners,
        Message = "Stack {0} core {1}: listen queue of port {2} full (backlog {4}), SYN from {3} dropped")]
    public void ListenQueueFull(string stack, int core, int port, string remoteEndPoint, int backlog) =>
        WriteEvent(ListenQueueFullEventId, stack, core, port, remoteEndPoint, backlog);

    /// <summary>
    /// Reports <see cref="ConnectionReset"/> for a connection's 4-tuple; formats nothing and allocates nothing unless
    /// a session listens for it.
    /// </summary>
    [NonEvent]
    public void ReportConnectionReset<TState>(string stack, int core, in FlowKey flow, TState state)
        where TState : struct, Enum
    {
        if (IsEnabled(EventLevel.Informational, Keywords.Connections))
        {
            ConnectionReset(stack, core, Local(flow), Remote(flow), state.ToString());
        }
    }

    /// <summary>Reports <see cref="RetransmissionTimeout"/>; formats nothing and allocates nothing unless a session listens for it.</summary>
    [NonEvent]
    public void ReportRetransmissionTimeout<TState>(string stack, int core, in FlowKey flow, TState state, int attempt, long rtoMicroseconds)
        where TState : struct, Enum
    {
        if (IsEnabled(EventLevel.Informational, Keywords.Retransmissions))
        {
            RetransmissionTimeout(stack, core, Local(flow), Remote(flow), state.ToString(), attempt, rtoMicroseconds);
        }
    }

    /// <summary>
    /// Reports <see cref="ListenQueueFull"/> for a SYN of <paramref name="flow"/> (our side local); formats nothing
    /// and allocates nothing unless a session listens for it.
    /// </summary>
    [NonEvent]
    public void ReportListenQueueFull(string stack, int core, in FlowKey flow, int backlog)
    {
        if (IsEnabled(EventLevel.Warning, Keywords.Listeners))
        {
            ListenQueueFull(stack, core, flow.LocalPort, Remote(flow), backlog);
        }
    }

    [NonEvent]
    private static string Local(in FlowKey flow) => EndPoint(flow.LocalAddress, flow.LocalPort);

    [NonEvent]
    private static string Remote(in FlowKey flow) => EndPoint(flow.RemoteAddress, flow.RemotePort);

    [NonEvent]
    private static string EndPoint(IpAddress address, ushort port) =>
        address.IsIPv4
            ? string.Create(CultureInfo.InvariantCulture, $"{address}:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"[{address}]:{port}");
}
