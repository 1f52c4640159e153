using System.Net;
using Fastsocket.Devices;
using Fastsocket.Simulation;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Wire;

namespace Fastsocket.Bench;

/// <summary>
/// The paper's short-connection workload on Fastsocket.NET itself: a server stack and a client stack, each with
/// its own cores, joined by the in-memory multi-queue network. The server runs one accept loop per core and the
/// client runs its loops on its own engine cores, so every connection is opened, served and closed by async code
/// that resumes on the core owning it. The server closes first, so TIME-WAIT lands on the server as in the paper.
/// With <see cref="BenchRunSpec.PairedCores"/> each client core reaches one server core (<see cref="PairedPortFilter"/>).
/// </summary>
public sealed class StackBenchTarget : IBenchTarget
{
    private static readonly IpAddress ServerAddress = IpAddress.FromIPv4(198, 18, 0, 2);
    private static readonly IpAddress ClientAddress = IpAddress.FromIPv4(198, 18, 0, 1);
    private const ushort ServerPort = 80;

    /// <summary>Injected packets a server queue holds at most before the flood's excess is dropped (the engine fell behind).</summary>
    private const int MaxPendingInjectedPerQueue = 8192;

    private readonly StackMechanisms _mechanisms;

    /// <summary>The workload on a server stack of <paramref name="design"/>; the client stack is always the fastsocket design.</summary>
    public StackBenchTarget(StackDesign design)
        : this(StackDesigns.MechanismsOf(design))
    {
    }

    /// <summary>
    /// The workload on a server stack with exactly <paramref name="mechanisms"/>: one of the paper's designs or of the
    /// ablation (<see cref="StackDesigns"/>), which names it.
    /// </summary>
    public StackBenchTarget(StackMechanisms mechanisms)
    {
        StackDesigns.Validate(mechanisms);
        _mechanisms = mechanisms;
        Design = StackDesigns.NameOf(mechanisms) ?? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"mechanisms-{(int)mechanisms}");
    }

    /// <inheritdoc/>
    public string Design { get; }

    /// <inheritdoc/>
    public BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(progress);
        var wire = new VirtualWire(MonotonicClockHolder.Clock, new VirtualWireOptions
        {
            Mtu = 1500,
            QueuesA = spec.ClientCores,
            QueuesB = spec.ServerCores,
        });
        // Both sides keep TIME-WAIT bounded as Linux's tcp_max_tw_buckets does, so hour-long runs do not run out of ports.
        // Under a SYN flood the server's device is wrapped so the flooder's thread can inject into its receive path.
        SoakInjectionDevice? floodDevice = spec.SynFloodPps > 0 ? new SoakInjectionDevice(wire.B, MaxPendingInjectedPerQueue) : null;
        var serverTcp = new Tcp.TcpConfig { NoDelay = true, MaxTimeWaitRecords = 65536 };
        var clientTcp = new Tcp.TcpConfig { NoDelay = true, MaxTimeWaitRecords = 65536 };
        using var server = new FastsocketStack(new StackOptions
        {
            Mechanisms = _mechanisms,
            Cores = spec.ServerCores,
            LocalAddress = ServerAddress,
            Device = floodDevice ?? (IMultiQueueDevice)wire.B,
            Tcp = serverTcp,
            Name = "server",
            FirstCpu = 0,
        });
        IpAddress[] clientAddresses = [ClientAddress, .. AdditionalClientAddresses(spec.ClientAddresses)];
        PairedPortFilter? pairing = spec.PairedCores
            ? new PairedPortFilter(wire.B, spec.ServerCores, clientAddresses, ServerAddress, ServerPort,
                StackOptions.DefaultEphemeralPortFirst, StackOptions.DefaultEphemeralPortLast)
            : null;
        using var client = new FastsocketStack(new StackOptions
        {
            // The client is a load generator, not the system under test: it always uses the fastsocket design.
            Design = StackDesign.Fastsocket,
            Cores = spec.ClientCores,
            LocalAddress = ClientAddress,
            Device = wire.A,
            Tcp = clientTcp,
            AdditionalAddresses = clientAddresses[1..],
            EphemeralPortFilter = pairing is null ? null : pairing.Allows,
            Name = "client",
            FirstCpu = spec.ServerCores,
        });
        server.Start();
        client.Start();

        var listener = new FastSocket(server);
        listener.Bind(new IPEndPoint(IPAddress.Any, ServerPort));
        listener.Listen(4096);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var serverWork = new StackBenchServer(listener, spec.Response, StackBenchServer.WorkersPerCore(spec), stop.Token);
        serverWork.StartOnEveryCore(server);

        IdleConnectionSet? idle = spec.IdleConnections > 0
            ? IdleConnectionSet.Open(server, client, ServerAddress, spec.IdleConnections)
            : null;
        LastIdleConnections = idle?.Connected ?? 0;

        var endpoint = new IPEndPoint(ServerAddress.ToIPAddress(), ServerPort);
        var clientWork = new StackBenchClient(client, endpoint, spec, progress, stop.Token);
        EngineStatistics before = server.TotalStatistics();
        long packetsBefore = wire.A.TransmittedPackets + wire.B.TransmittedPackets;
        long batchesBefore = wire.A.TransmitBatches + wire.B.TransmitBatches;
        // Bounded: the flood runs from the window's opening (warm-up) to the end of the load, and the stop token ends it
        // too if anything goes wrong in between; paced against elapsed time, every 10 ms.
        SoakFlooder? flooder = floodDevice is null
            ? null
            : new SoakFlooder(floodDevice, ServerAddress, ServerPort, seed: 1, spec.SynFloodPps, malformedPerSecond: 0, stop.Token);
        clientWork.OpenWindow();
        flooder?.Start();
        var activity = new EngineActivityWindow(server, client, clientWork.MeasureStart, clientWork.MeasureEnd);
        BenchLoadOutcome outcome;
        try
        {
            outcome = clientWork.Run();
        }
        finally
        {
            flooder?.Stop();
        }
        EngineStatistics after = server.TotalStatistics();
        long wirePackets = wire.A.TransmittedPackets + wire.B.TransmittedPackets - packetsBefore;
        long wireBatches = wire.A.TransmitBatches + wire.B.TransmitBatches - batchesBefore;
        (double? serverIdle, double? clientIdle, double? runQueueWait, long? sleeps) = activity.Finish();

        stop.Cancel();
        listener.Dispose();
        GC.KeepAlive(idle);
        // Packets the server handled per completed connection (both directions), over the whole run.
        double packets = (after.PacketsIn - before.PacketsIn + after.PacketsOut - before.PacketsOut) / (double)Math.Max(clientWork.TotalCompleted, 1);
        EngineStatistics clientStatistics = client.TotalStatistics();
        long drops = after.Drops.Total + clientStatistics.Drops.Total;
        LastServerStatistics = after;
        LastClientStatistics = clientStatistics;
        var dropReasons = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (reason, count) in after.Drops.NonZero().Concat(clientStatistics.Drops.NonZero()))
        {
            dropReasons[reason.ToString()] = dropReasons.GetValueOrDefault(reason.ToString()) + count;
        }
        double completed = Math.Max(clientWork.TotalCompleted, 1);
        return outcome.ToResult(Design, spec, packets, drops) with
        {
            DropReasons = dropReasons,
            SynFloodPps = spec.SynFloodPps,
            SynCookiesSent = after.SynCookiesSent - before.SynCookiesSent,
            SynCookiesValidated = after.SynCookiesValidated - before.SynCookiesValidated,
            LocksPerConnection = Math.Round((after.LockAcquisitions - before.LockAcquisitions) / completed, 2),
            HandoffsPerConnection = Math.Round((after.RfdHandoffs - before.RfdHandoffs) / completed, 3),
            ServerIdleShare = serverIdle,
            ClientIdleShare = clientIdle,
            EngineRunQueueWaitShare = runQueueWait,
            WirePacketsPerBatch = wireBatches > 0 ? Math.Round(wirePackets / (double)wireBatches, 2) : null,
            EngineSleepsPerConnection = sleeps is { } n && outcome.Connections > 0 ? Math.Round(n / (double)outcome.Connections, 4) : null,
        };
    }

    /// <summary>The client's addresses beyond its main one: 198.18.1.1, 198.18.1.2, ...</summary>
    internal static IpAddress[] AdditionalClientAddresses(int count) =>
        Enumerable.Range(1, count - 1).Select(i => IpAddress.FromIPv4(198, 18, 1, (byte)i)).ToArray();

    /// <summary>The server stack's counters after the last run (lock acquisitions, hand-offs, fallbacks).</summary>
    public EngineStatistics? LastServerStatistics { get; private set; }

    /// <summary>Idle connections actually established for the last run.</summary>
    public int LastIdleConnections { get; private set; }

    /// <summary>The client stack's counters after the last run.</summary>
    public EngineStatistics? LastClientStatistics { get; private set; }

    /// <summary>The process-wide monotonic clock (a holder so the target reads as one unit).</summary>
    private static class MonotonicClockHolder
    {
        public static readonly Time.IClock Clock = Time.MonotonicClock.Instance;
    }
}
