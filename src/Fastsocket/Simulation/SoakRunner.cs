using System.Diagnostics;
using System.Net;
using Fastsocket.Devices;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Simulation;

/// <summary>
/// Runs the soak: for <see cref="SoakSpec.Minutes"/> of wall-clock time, two pairs of stacks on the in-memory network
/// (a clean link with two engines a side, and a one-engine pair on a link that loses, reorders, duplicates and corrupts
/// packets) carry a seeded mix of short request/response connections, SHA-256-checked bulk transfers, aborts from either
/// side mid-transfer, connections refused and connections timing out, while long idle connections are held open and the
/// clean server takes a SYN flood and malformed packets. Then everything is closed and the tables must drain.
/// </summary>
public static class SoakRunner
{
    /// <summary>The clean link's client (198.18.0.1).</summary>
    public static readonly IpAddress ClientAddress = IpAddress.FromIPv4(198, 18, 0, 1);

    /// <summary>The clean link's server (198.18.0.2).</summary>
    public static readonly IpAddress ServerAddress = IpAddress.FromIPv4(198, 18, 0, 2);

    /// <summary>The lossy link's client (198.18.1.1).</summary>
    public static readonly IpAddress LossyClientAddress = IpAddress.FromIPv4(198, 18, 1, 1);

    /// <summary>The lossy link's server (198.18.1.2).</summary>
    public static readonly IpAddress LossyServerAddress = IpAddress.FromIPv4(198, 18, 1, 2);

    /// <summary>An address nobody answers on the clean link: connections to it must time out.</summary>
    public static readonly IpAddress BlackHoleAddress = IpAddress.FromIPv4(198, 18, 0, 99);

    /// <summary>The port both servers listen on.</summary>
    public const ushort ServerPort = 5001;

    /// <summary>A port nobody listens on: connections to it are refused (RST).</summary>
    public const ushort ClosedPort = 9;

    /// <summary>SYN and SYN-ACK retransmissions in the soak (Linux: 6): a black-holed connect times out in 7 s, and a flood's half-open connections expire as fast.</summary>
    public const int SynRetransmissions = 2;

    /// <summary>The faults of the lossy link, each direction (seeded from the soak's seed).</summary>
    public static FaultProfile LossyProfile(int seed) => new()
    {
        Loss = 0.01,
        Reorder = 0.01,
        Duplicate = 0.005,
        Corrupt = 0.005,
        Seed = seed,
    };

    /// <summary>
    /// Runs the soak to the end and returns its summary; it never throws for what happens on the network. Takes
    /// <see cref="SoakSpec.Minutes"/> plus at most <see cref="SoakSpec.DrainAllowance"/> (and a few seconds to stop).
    /// </summary>
    /// <param name="spec">How long and how hard.</param>
    /// <param name="log">Receives progress lines and the first unexpected errors; null for silence.</param>
    /// <exception cref="ArgumentNullException"><paramref name="spec"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Minutes not in (0, <see cref="SoakSpec.MaxMinutes"/>], or a count is negative.</exception>
    public static SoakReport Run(SoakSpec spec, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!(spec.Minutes > 0 && spec.Minutes <= SoakSpec.MaxMinutes))
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.Minutes, $"Minutes must be above 0 and at most {SoakSpec.MaxMinutes}.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(spec.CleanLanes);
        ArgumentOutOfRangeException.ThrowIfNegative(spec.LossyLanes);
        ArgumentOutOfRangeException.ThrowIfNegative(spec.IdleConnections);
        ArgumentOutOfRangeException.ThrowIfNegative(spec.SynFloodPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(spec.MalformedPerSecond);

        var tally = new SoakTally(log);
        // Tasks that faulted unobserved before the run (other work in this process) are finalized now, before we
        // listen, so that the count is the run's own.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        EventHandler<UnobservedTaskExceptionEventArgs> unobserved = (_, e) =>
        {
            tally.Unhandled("an unobserved task", e.Exception);
            e.SetObserved();
        };
        UnhandledExceptionEventHandler crashed = (_, e) => tally.Unhandled("the process", e.ExceptionObject as Exception ?? new InvalidOperationException("non-exception thrown"));
        TaskScheduler.UnobservedTaskException += unobserved;
        AppDomain.CurrentDomain.UnhandledException += crashed;
        try
        {
            SoakReport report = RunCore(spec, tally, log);
            // Measured here, after RunCore returned, so that nothing of the run (stacks, wires, pooled connections) is
            // still reachable from a local: what remains is what the run leaked, plus the process's own baseline.
            return report with { HeapFinalBytes = SoakHeapSampler.FinalHeapBytes() };
        }
        finally
        {
            // Finalize tasks that faulted unobserved during the run before we stop listening for them.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            TaskScheduler.UnobservedTaskException -= unobserved;
            AppDomain.CurrentDomain.UnhandledException -= crashed;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static SoakReport RunCore(SoakSpec spec, SoakTally tally, TextWriter? log)
    {
        var total = Stopwatch.StartNew();
        using var heap = new SoakHeapSampler();
        using var hardStop = new CancellationTokenSource(spec.Duration + spec.DrainAllowance);
        DateTime workEnds = DateTime.UtcNow + spec.Duration;

        var cleanWire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 2, QueuesB = 2 });
        var injection = new SoakInjectionDevice(cleanWire.B, maxPendingPerQueue: 4096);
        var lossyWire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions
        {
            AToB = LossyProfile(spec.Seed),
            BToA = LossyProfile(unchecked(spec.Seed * 7919 + 17)),
        });
        var stacks = new List<FastsocketStack>
        {
            NewStack("soak-server", ServerAddress, injection, 2, spec, spec.Seed + 100),
            NewStack("soak-client", ClientAddress, cleanWire.A, 2, spec, spec.Seed + 200),
            NewStack("soak-lossy-server", LossyServerAddress, lossyWire.B, 1, spec, spec.Seed + 300),
            NewStack("soak-lossy-client", LossyClientAddress, lossyWire.A, 1, spec, spec.Seed + 400),
        };
        foreach (FastsocketStack stack in stacks)
        {
            stack.UnhandledException += (core, e) => tally.Unhandled($"{stack.Name} core {core}", e);
            stack.Start();
        }

        double drainSeconds = 0;
        long left;
        SoakFlooder? flooder = null;
        try
        {
            var server = new SoakServer(stacks[0], ServerPort, tally, hardStop.Token);
            var lossyServer = new SoakServer(stacks[2], ServerPort, tally, hardStop.Token);
            server.Start();
            lossyServer.Start();
            var clean = new SoakClient(stacks[1], EndPoint(ServerAddress, ServerPort), EndPoint(ServerAddress, ClosedPort),
                EndPoint(BlackHoleAddress, ServerPort), 8L << 20, tally, hardStop.Token);
            var lossy = new SoakClient(stacks[3], EndPoint(LossyServerAddress, ServerPort), EndPoint(LossyServerAddress, ClosedPort),
                EndPoint(IpAddress.FromIPv4(198, 18, 1, 99), ServerPort), 1L << 20, tally, hardStop.Token);

            log?.WriteLine($"soak: {spec.Minutes} min, seed {spec.Seed}; opening {spec.IdleConnections} idle connections");
            List<(SoakClient Client, FastSocket Socket)> idle = OpenIdle(spec, clean, lossy);

            flooder = new SoakFlooder(injection, ServerAddress, ServerPort, spec, hardStop.Token);
            flooder.Start();

            var lanes = new List<Task>();
            var mix = new Random(spec.Seed);
            for (int i = 0; i < spec.CleanLanes + spec.LossyLanes; i++)
            {
                SoakClient client = i < spec.CleanLanes ? clean : lossy;
                var random = new Random(mix.Next());
                lanes.Add(Task.Run(() => LaneAsync(client, random, workEnds, tally, hardStop.Token)));
            }
            using (var progress = new Timer(_ => Progress(log, tally, heap, total), null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)))
            {
                WaitBounded(Task.WhenAll(lanes), hardStop.Token);
            }

            var drainWatch = Stopwatch.StartNew();
            flooder.Stop();
            log?.WriteLine($"soak: workload done after {total.Elapsed.TotalSeconds:F0} s; closing {idle.Count} idle connections and draining");
            WaitBounded(Task.WhenAll(idle.Select(i => i.Client.CloseIdleAsync(i.Socket))), hardStop.Token);
            server.StopListening();
            lossyServer.StopListening();

            // Everything is closed; TCP finishes the closes, TIME-WAIT runs out, the flood's half-open connections expire.
            left = CountLeft(stacks);
            while ((left > 0 || server.Active + lossyServer.Active + server.AcceptLoops + lossyServer.AcceptLoops > 0) &&
                   !hardStop.IsCancellationRequested)
            {
                Thread.Sleep(100);
                left = CountLeft(stacks);
            }
            drainSeconds = drainWatch.Elapsed.TotalSeconds;
            if (left > 0)
            {
                tally.ClientFailure("drain", $"{left} table entries left after the drain allowance: {Describe(stacks)}");
            }
        }
        finally
        {
            flooder?.Stop();
        }

        var drops = new Dictionary<string, long>();
        foreach (FastsocketStack stack in stacks)
        {
            foreach ((DropReason reason, long count) in stack.TotalStatistics().Drops.NonZero())
            {
                drops[reason.ToString()] = drops.GetValueOrDefault(reason.ToString()) + count;
            }
        }
        var faults = FaultCounts(lossyWire);
        long synFlood = flooder?.SynsSent ?? 0;
        long malformed = flooder?.MalformedSent ?? 0;
        foreach (FastsocketStack stack in stacks)
        {
            stack.Dispose();
        }
        stacks.Clear();
        heap.Stop();

        return new SoakReport
        {
            Connections = tally.Outcomes(),
            BytesVerified = tally.BytesVerified,
            HeapPeakBytes = heap.PeakBytes,
            HeapFinalBytes = 0,
            ConnectionsLeft = left,
            UnhandledExceptions = tally.UnhandledExceptions,
            ServerErrors = tally.ServerErrors,
            SynFloodPackets = synFlood,
            MalformedPackets = malformed,
            Drops = drops,
            Faults = faults,
            TimeWaitMicroseconds = spec.TimeWaitMicroseconds,
            Seconds = total.Elapsed.TotalSeconds,
            DrainSeconds = drainSeconds,
            FirstErrors = tally.FirstErrors,
        };
    }

    private static FastsocketStack NewStack(string name, IpAddress address, IMultiQueueDevice device, int cores, SoakSpec spec, int seed) =>
        new(new StackOptions
        {
            Design = StackDesign.Fastsocket,
            Cores = cores,
            LocalAddress = address,
            Device = device,
            Tcp = new TcpConfig
            {
                NoDelay = true,
                TimeWaitMicroseconds = spec.TimeWaitMicroseconds,
                MaxSynRetransmissions = SynRetransmissions,
            },
            PinThreads = false,
            RandomSeed = seed,
            Name = name,
        });

    private static List<(SoakClient, FastSocket)> OpenIdle(SoakSpec spec, SoakClient clean, SoakClient lossy)
    {
        var opening = new List<(SoakClient Client, Task<FastSocket?> Socket)>();
        for (int i = 0; i < spec.IdleConnections; i++)
        {
            // Three in four on the clean link; the rest sit on the lossy one.
            SoakClient client = i % 4 == 3 ? lossy : clean;
            opening.Add((client, client.OpenIdleAsync()));
        }
        var open = new List<(SoakClient, FastSocket)>();
        foreach ((SoakClient client, Task<FastSocket?> socket) in opening)
        {
            if (socket.GetAwaiter().GetResult() is FastSocket s)
            {
                open.Add((client, s));
            }
        }
        return open;
    }

    private static async Task LaneAsync(SoakClient client, Random random, DateTime workEnds, SoakTally tally, CancellationToken hardStop)
    {
        while (DateTime.UtcNow < workEnds && !hardStop.IsCancellationRequested)
        {
            try
            {
                await client.RunOneAsync(random).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                tally.Unhandled("a client scenario", e);
            }
        }
    }

    /// <summary>Waits for <paramref name="task"/>, but never past the hard stop (plus a moment for cancellation to land).</summary>
    private static void WaitBounded(Task task, CancellationToken hardStop)
    {
        try
        {
            task.Wait(hardStop);
        }
        catch (OperationCanceledException)
        {
            task.Wait(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
    }

    /// <summary>Connections (half-open included) and TIME-WAIT records over every engine, read on each engine's own thread.</summary>
    private static long CountLeft(List<FastsocketStack> stacks)
    {
        long left = 0;
        foreach (FastsocketStack stack in stacks)
        {
            foreach (EngineCore core in stack.Cores)
            {
                Task<int> count = core.InvokeAsync(() => core.Engine.ConnectionCount + core.Engine.TimeWaitCount);
                left += count.Wait(TimeSpan.FromSeconds(5)) ? count.Result : core.Engine.ConnectionCount + core.Engine.TimeWaitCount;
            }
            if (stack.FindListener(ServerPort) is ListenerGroup group)
            {
                left += group.Global.QueuedCount;
            }
        }
        return left;
    }

    private static string Describe(List<FastsocketStack> stacks) => string.Join(", ", stacks.SelectMany(s => s.Cores.Select(c =>
        $"{s.Name}/{c.CoreId}: {c.Engine.ConnectionCount} connections, {c.Engine.TimeWaitCount} TIME-WAIT")));

    private static Dictionary<string, long> FaultCounts(VirtualWire wire)
    {
        var injectors = new List<FaultInjector>();
        foreach (NicQueue queue in wire.A.Queues.Concat(wire.B.Queues))
        {
            if (queue.IncomingFaults(0) is FaultInjector injector)
            {
                injectors.Add(injector);
            }
        }
        return new Dictionary<string, long>
        {
            ["lost"] = injectors.Sum(static i => i.Lost),
            ["reordered"] = injectors.Sum(static i => i.Reordered),
            ["duplicated"] = injectors.Sum(static i => i.Duplicated),
            ["corrupted"] = injectors.Sum(static i => i.Corrupted),
        };
    }

    private static void Progress(TextWriter? log, SoakTally tally, SoakHeapSampler heap, Stopwatch total)
    {
        log?.WriteLine($"soak: {total.Elapsed.TotalMinutes:F1} min: " +
            string.Join(", ", tally.Outcomes().Select(static o => $"{o.Key} {o.Value}")) +
            $"; {tally.BytesVerified:N0} bytes verified; heap {heap.LastBytes / (1 << 20)} MiB");
    }

    private static IPEndPoint EndPoint(IpAddress address, ushort port) => new(address.ToIPAddress(), port);
}
