using System.Diagnostics.Metrics;
using Fastsocket.Stack;
using Fastsocket.Wire;

namespace Fastsocket.Diagnostics;

/// <summary>
/// The <c>Fastsocket</c> meter (System.Diagnostics.Metrics): what every running stack has done, for
/// <c>dotnet-counters monitor --counters Fastsocket</c>, OpenTelemetry's <c>AddMeter("Fastsocket")</c> or a
/// <see cref="MeterListener"/>. Names and units follow OpenTelemetry's style (dotted lower-case names, UCUM units,
/// <c>{annotation}</c> for counts); every measurement carries the tag <c>stack</c> with the stack's
/// <see cref="StackOptions.Name"/>.
/// </summary>
/// <remarks>
/// Every instrument is observable: it reads the counters the engines already keep (<see cref="EngineStatistics"/>,
/// <see cref="DropCounters"/>, <see cref="EngineCore.IdleMicroseconds"/>) when a listener collects, so the packet
/// path does nothing more for it, with or without a listener. A stack takes part from <see cref="FastsocketStack.Start"/>
/// to its Dispose; live stacks that share a name are reported as one, their counters summed.
/// </remarks>
public static class FastsocketMetrics
{
    /// <summary>The meter's name, for listeners and tools.</summary>
    public const string MeterName = "Fastsocket";

    /// <summary>Tag naming the stack (its <see cref="StackOptions.Name"/>) on every measurement.</summary>
    public const string StackTag = "stack";

    /// <summary>Tag naming the engine core (0 to cores - 1) on per-core measurements.</summary>
    public const string CoreTag = "core";

    /// <summary>Tag of <see cref="Retransmissions"/>: <c>fast</c> or <c>timeout</c>.</summary>
    public const string KindTag = "kind";

    /// <summary>Tag of <see cref="PacketsDropped"/>: a <see cref="DropReason"/> name.</summary>
    public const string ReasonTag = "reason";

    /// <summary>Counter: active opens (SYN sent by a connect).</summary>
    public const string ConnectionsOpened = "fastsocket.tcp.connections.opened";

    /// <summary>Counter: passive opens handed to an accept.</summary>
    public const string ConnectionsAccepted = "fastsocket.tcp.connections.accepted";

    /// <summary>Counter: connections that ended (closed, reset, timed out or aborted).</summary>
    public const string ConnectionsClosed = "fastsocket.tcp.connections.closed";

    /// <summary>Counter: connections reset by an acceptable RST from the peer.</summary>
    public const string ConnectionsReset = "fastsocket.tcp.connections.reset";

    /// <summary>Counter: TCP segments processed on connections.</summary>
    public const string SegmentsReceived = "fastsocket.tcp.segments.received";

    /// <summary>Counter: TCP segments sent.</summary>
    public const string SegmentsSent = "fastsocket.tcp.segments.sent";

    /// <summary>Counter: bytes of IP packets received (headers included).</summary>
    public const string BytesReceived = "fastsocket.ip.bytes.received";

    /// <summary>Counter: bytes of IP packets sent (headers included).</summary>
    public const string BytesSent = "fastsocket.ip.bytes.sent";

    /// <summary>Counter: loss recoveries by kind: <c>fast</c> (three duplicate ACKs, RFC 5681) and <c>timeout</c> (RTO expiry, RFC 6298).</summary>
    public const string Retransmissions = "fastsocket.tcp.retransmissions";

    /// <summary>
    /// Counter: loss-recovery events of SACK connections by <c>kind</c>: <c>rack</c> (segments RACK marked lost by
    /// time, RFC 8985), <c>tail_loss_probe</c> (probes sent at two SRTTs, RFC 8985 7), <c>spurious_undo</c> (reductions
    /// undone by DSACK or timestamps, RFC 2883/3522) and <c>dsack</c> (duplicate SACKs received).
    /// </summary>
    public const string LossRecoveryEvents = "fastsocket.tcp.loss_recovery";

    /// <summary>Counter: SYN cookies by <c>result</c>: <c>sent</c> (a SYN-ACK answered from a full half-open queue), <c>validated</c> (an ACK built a connection), <c>rejected</c> (a forged or expired cookie, dropped).</summary>
    public const string SynCookies = "fastsocket.tcp.syn_cookies";

    /// <summary>Counter: replies the rate limits held back, by <c>kind</c>: <c>rst</c>, <c>time_wait_ack</c>, <c>icmp_echo</c> (per engine), <c>challenge_ack</c>, <c>out_of_window_ack</c> (per connection).</summary>
    public const string RepliesSuppressed = "fastsocket.replies.suppressed";

    /// <summary>Tag naming the result of a <see cref="SynCookies"/> measurement.</summary>
    public const string ResultTag = "result";

    /// <summary>Counter: received packets dropped, by <see cref="DropReason"/>.</summary>
    public const string PacketsDropped = "fastsocket.packets.dropped";

    /// <summary>Counter: packets one core handed to the core owning their connection (software Receive Flow Deliver).</summary>
    public const string RfdHandoffs = "fastsocket.rfd.handoffs";

    /// <summary>Gauge: connections in the engines' tables, from SYN-RECEIVED or SYN-SENT to LAST-ACK (TIME-WAIT apart).</summary>
    public const string ConnectionsEstablished = "fastsocket.tcp.connections.established";

    /// <summary>Gauge: connections in TIME-WAIT.</summary>
    public const string TimeWait = "fastsocket.tcp.time_wait";

    /// <summary>Gauge per core: share of the time since the previous observation that the engine's loop had work.</summary>
    public const string EngineBusyRatio = "fastsocket.engine.busy.ratio";

    /// <summary>Counter per core: seconds the engine's loop has had work since the stack started (rate it for a busy share per interval).</summary>
    public const string EngineBusyTime = "fastsocket.engine.busy.time";

    /// <summary>
    /// Counter: packets the host dropped at the device, which the engines never saw, by <c>direction</c>:
    /// <c>toward_stack</c> (the kernel's queue toward the stack was full) and <c>from_stack</c> (packets the stack wrote);
    /// only for devices whose host counts them (<see cref="Devices.IHostDropCounters"/>, such as TUN).
    /// </summary>
    public const string DevicePacketsDropped = "fastsocket.device.packets.dropped";

    /// <summary>Tag of <see cref="DevicePacketsDropped"/>: <c>toward_stack</c> or <c>from_stack</c>.</summary>
    public const string DirectionTag = "direction";

    /// <summary>
    /// Counter per core: turns of the engine's loop that read their most batches and left the device possibly holding
    /// more (<see cref="EngineCore.TurnsAtReadLimit"/>); rising with a busy ratio near 1, the core is saturated.
    /// </summary>
    public const string EngineTurnsAtReadLimit = "fastsocket.engine.turns.read_limit";

    private static readonly Lock s_stacksLock = new();
    private static readonly List<ObservedStack> s_stacks = [];
    private static readonly Meter s_meter = CreateMeter();

    /// <summary>Names of the stacks the meter reports now (started and not yet disposed), for diagnostics and tests.</summary>
    public static IReadOnlyList<string> LiveStackNames
    {
        get
        {
            lock (s_stacksLock)
            {
                return s_stacks.Select(s => s.Name).ToArray();
            }
        }
    }

    /// <summary>
    /// Creates the meter when the assembly loads, before any stack can start, so that <c>dotnet-counters</c> and
    /// OpenTelemetry find it; the stack layer cannot create it, being below this one.
    /// </summary>
#pragma warning disable CA2255 // A library's module initializer is deliberate here: see the summary.
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        GC.KeepAlive(s_meter);
        LiveStacks.Observe(Track, Untrack);
    }

    /// <summary>A stack started: its counters join the meter's measurements.</summary>
    private static void Track(FastsocketStack stack)
    {
        var observed = new ObservedStack(stack);
        lock (s_stacksLock)
        {
            s_stacks.Add(observed);
        }
    }

    /// <summary>A stack was disposed: its series end.</summary>
    private static void Untrack(FastsocketStack stack)
    {
        lock (s_stacksLock)
        {
            s_stacks.RemoveAll(s => ReferenceEquals(s.Stack, stack));
        }
    }

    private static ObservedStack[] Snapshot()
    {
        lock (s_stacksLock)
        {
            return [.. s_stacks];
        }
    }

    private static Meter CreateMeter()
    {
        var meter = new Meter(MeterName, typeof(FastsocketMetrics).Assembly.GetName().Version?.ToString());
        Counter(meter, ConnectionsOpened, "{connection}", "TCP connections opened actively (SYN sent by a connect).", s => s.ConnectionsOpened);
        Counter(meter, ConnectionsAccepted, "{connection}", "TCP connections opened passively and handed to an accept.", s => s.ConnectionsAccepted);
        Counter(meter, ConnectionsClosed, "{connection}", "TCP connections that ended: closed, reset, timed out or aborted.", s => s.ConnectionsClosed);
        Counter(meter, ConnectionsReset, "{connection}", "TCP connections reset by the peer.", s => s.ConnectionsReset);
        Counter(meter, SegmentsReceived, "{segment}", "TCP segments received on connections.", s => s.SegmentsIn);
        Counter(meter, SegmentsSent, "{segment}", "TCP segments sent.", s => s.SegmentsOut);
        Counter(meter, BytesReceived, "By", "Bytes of IP packets received, headers included.", s => s.BytesIn);
        Counter(meter, BytesSent, "By", "Bytes of IP packets sent, headers included.", s => s.BytesOut);
        Counter(meter, RfdHandoffs, "{packet}", "Packets handed to the core that owns their connection (software Receive Flow Deliver).", s => s.RfdHandoffs);
        meter.CreateObservableCounter(Retransmissions, ObserveRetransmissions, "{retransmission}",
            "TCP loss recoveries: fast retransmits (three duplicate ACKs) and retransmission timeouts.");
        meter.CreateObservableCounter(LossRecoveryEvents, () => Tagged(KindTag,
            ("rack", e => e.RackLossDetections), ("tail_loss_probe", e => e.TailLossProbes),
            ("spurious_undo", e => e.SpuriousRetransmitUndos), ("dsack", e => e.DuplicateSacksReceived)),
            "{event}", "TCP loss-recovery events on SACK connections: RACK loss marks, tail loss probes, spurious undos, DSACKs.");
        meter.CreateObservableCounter(SynCookies, () => Tagged(ResultTag,
            ("sent", e => e.SynCookiesSent), ("validated", e => e.SynCookiesValidated), ("rejected", e => e.SynCookiesRejected)),
            "{cookie}", "SYN cookies sent, validated and rejected (RFC 4987 3.6).");
        meter.CreateObservableCounter(RepliesSuppressed, () => Tagged(KindTag,
            ("rst", e => e.RstRateLimited), ("time_wait_ack", e => e.TimeWaitAckRateLimited), ("icmp_echo", e => e.IcmpRateLimited),
            ("challenge_ack", e => e.ChallengeAckRateLimited), ("out_of_window_ack", e => e.OutOfWindowAckRateLimited)),
            "{packet}", "Replies not sent because a rate limit was spent.");
        meter.CreateObservableCounter(PacketsDropped, ObserveDrops, "{packet}", "Received packets dropped, by reason.");
        meter.CreateObservableGauge(ConnectionsEstablished, () => PerStack(s => s.Connections), "{connection}",
            "TCP connections the engines hold, handshaking to closing (TIME-WAIT apart).");
        meter.CreateObservableGauge(TimeWait, () => PerStack(s => s.TimeWait), "{connection}", "TCP connections in TIME-WAIT.");
        meter.CreateObservableGauge(EngineBusyRatio, () => PerCore((s, core) => s.BusyRatio(core)), "1",
            "Share of the time since the previous observation that the engine core's loop had work.");
        meter.CreateObservableCounter(EngineBusyTime, () => PerCore((s, core) => s.BusySeconds(core)), "s",
            "Time the engine core's loop has had work since the stack started.");
        meter.CreateObservableCounter(DevicePacketsDropped, ObserveDeviceDrops, "{packet}",
            "Packets the host dropped at the device before the engines saw them, or after the stack wrote them.");
        meter.CreateObservableCounter(EngineTurnsAtReadLimit, () => PerCoreCount((s, core) => s.Stack.Core(core).TurnsAtReadLimit), "{turn}",
            "Engine loop turns that read their most batches and left the device possibly holding more.");
        return meter;
    }

    /// <summary>The host's drop counters of each stack's device, where the device has them and they can be read.</summary>
    private static List<Measurement<long>> ObserveDeviceDrops()
    {
        var measurements = new List<Measurement<long>>();
        foreach (ObservedStack stack in Snapshot())
        {
            if (stack.Stack.Options.Device is not Devices.IHostDropCounters host)
            {
                continue;
            }
            var name = new KeyValuePair<string, object?>(StackTag, stack.Name);
            if (host.DroppedTowardStack is long toward)
            {
                measurements.Add(new Measurement<long>(toward, name, new KeyValuePair<string, object?>(DirectionTag, "toward_stack")));
            }
            if (host.DroppedFromStack is long from)
            {
                measurements.Add(new Measurement<long>(from, name, new KeyValuePair<string, object?>(DirectionTag, "from_stack")));
            }
        }
        return measurements;
    }

    private static void Counter(Meter meter, string name, string unit, string description, Func<EngineStatistics, long> counter) =>
        meter.CreateObservableCounter(name, () => PerStack(s => s.Sum(counter)), unit, description);

    /// <summary>One measurement per stack name; live stacks that share a name are summed.</summary>
    private static List<Measurement<long>> PerStack(Func<ObservedStack, long> read)
    {
        ObservedStack[] stacks = Snapshot();
        var measurements = new List<Measurement<long>>(stacks.Length);
        for (int i = 0; i < stacks.Length; i++)
        {
            if (SeenBefore(stacks, i))
            {
                continue;
            }
            long total = 0;
            for (int j = i; j < stacks.Length; j++)
            {
                if (stacks[j].Name == stacks[i].Name)
                {
                    total += read(stacks[j]);
                }
            }
            measurements.Add(new Measurement<long>(total, new KeyValuePair<string, object?>(StackTag, stacks[i].Name)));
        }
        return measurements;
    }

    private static bool SeenBefore(ObservedStack[] stacks, int index)
    {
        for (int k = 0; k < index; k++)
        {
            if (stacks[k].Name == stacks[index].Name)
            {
                return true;
            }
        }
        return false;
    }

    private static List<Measurement<long>> ObserveRetransmissions()
    {
        var measurements = new List<Measurement<long>>();
        foreach (Measurement<long> fast in PerStack(s => s.Sum(e => e.FastRetransmits)))
        {
            measurements.Add(WithTag(fast, KindTag, "fast"));
        }
        foreach (Measurement<long> timeout in PerStack(s => s.Sum(e => e.RetransmitTimeouts)))
        {
            measurements.Add(WithTag(timeout, KindTag, "timeout"));
        }
        return measurements;
    }

    /// <summary>One series per stack and tag value, each the sum of an engine counter over the stack's cores.</summary>
    private static List<Measurement<long>> Tagged(string tag, params (string Value, Func<EngineStatistics, long> Read)[] series)
    {
        var measurements = new List<Measurement<long>>();
        foreach ((string value, Func<EngineStatistics, long> read) in series)
        {
            foreach (Measurement<long> measurement in PerStack(s => s.Sum(read)))
            {
                measurements.Add(WithTag(measurement, tag, value));
            }
        }
        return measurements;
    }

    /// <summary>A series per stack and reason that has dropped at least once (a reason never seen stays silent).</summary>
    private static List<Measurement<long>> ObserveDrops()
    {
        var measurements = new List<Measurement<long>>();
        for (var reason = DropReason.None + 1; reason < DropReason.Count; reason++)
        {
            DropReason current = reason;
            foreach (Measurement<long> drops in PerStack(s => s.Drops(current)))
            {
                if (drops.Value != 0)
                {
                    measurements.Add(WithTag(drops, ReasonTag, current.ToString()));
                }
            }
        }
        return measurements;
    }

    private static List<Measurement<long>> PerCoreCount(Func<ObservedStack, int, long> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (ObservedStack stack in Snapshot())
        {
            for (int core = 0; core < stack.Stack.CoreCount; core++)
            {
                measurements.Add(new Measurement<long>(read(stack, core),
                    new KeyValuePair<string, object?>(StackTag, stack.Name),
                    new KeyValuePair<string, object?>(CoreTag, core)));
            }
        }
        return measurements;
    }

    private static List<Measurement<double>> PerCore(Func<ObservedStack, int, double> read)
    {
        ObservedStack[] stacks = Snapshot();
        var measurements = new List<Measurement<double>>();
        foreach (ObservedStack stack in stacks)
        {
            for (int core = 0; core < stack.Stack.CoreCount; core++)
            {
                measurements.Add(new Measurement<double>(read(stack, core),
                    new KeyValuePair<string, object?>(StackTag, stack.Name),
                    new KeyValuePair<string, object?>(CoreTag, core)));
            }
        }
        return measurements;
    }

    private static Measurement<long> WithTag(Measurement<long> measurement, string key, string value)
    {
        var tags = new KeyValuePair<string, object?>[measurement.Tags.Length + 1];
        measurement.Tags.CopyTo(tags);
        tags[^1] = new KeyValuePair<string, object?>(key, value);
        return new Measurement<long>(measurement.Value, tags);
    }
}
