using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Fastsocket.Devices;
using Fastsocket.Diagnostics;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Tests.Stack;
using Fastsocket.Time;
using Fastsocket.Wire;
using static Fastsocket.Diagnostics.FastsocketMetrics;

namespace Fastsocket.Tests.Diagnostics;

/// <summary>
/// The Fastsocket meter read the way dotnet-counters and OpenTelemetry read it, with a MeterListener, over two
/// stacks with names of their own (other tests' stacks run in the same process and are told apart by the tag).
/// </summary>
/// <remarks>
/// One class, so its tests run one after another: the busy ratio's window runs from one observation to the next,
/// whoever observes.
/// </remarks>
public class FastsocketMetricsTests
{
    private const int Port = 7;
    private const int Connections = 5;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly IpAddress ServerAddress = IpAddress.FromIPv4(198, 18, 0, 2);
    private static readonly IpAddress ClientAddress = IpAddress.FromIPv4(198, 18, 0, 1);

    [Fact]
    public void TheMeterHasEveryInstrumentWithItsUnit()
    {
        using var reader = new MeterReader();
        // The instruments exist once a stack has started (any test's); make sure one has.
        using (StartStack(UniqueName("units"), 1, new VirtualWire(1, 1, MonotonicClock.Instance).B, MonotonicClock.Instance))
        {
        }
        var expected = new Dictionary<string, string>
        {
            [ConnectionsOpened] = "{connection}",
            [ConnectionsAccepted] = "{connection}",
            [ConnectionsClosed] = "{connection}",
            [ConnectionsReset] = "{connection}",
            [SegmentsReceived] = "{segment}",
            [SegmentsSent] = "{segment}",
            [BytesReceived] = "By",
            [BytesSent] = "By",
            [Retransmissions] = "{retransmission}",
            [LossRecoveryEvents] = "{event}",
            [SynCookies] = "{cookie}",
            [RepliesSuppressed] = "{packet}",
            [PacketsDropped] = "{packet}",
            [RfdHandoffs] = "{packet}",
            [ConnectionsEstablished] = "{connection}",
            [TimeWait] = "{connection}",
            [EngineBusyRatio] = "1",
            [EngineBusyTime] = "s",
            [DevicePacketsDropped] = "{packet}",
            [EngineTurnsAtReadLimit] = "{turn}",
        };
        Dictionary<string, string?> published = reader.Published.ToDictionary(i => i.Name, i => i.Unit);
        Assert.Equal(expected.Keys.Order(), published.Keys.Order());
        foreach ((string name, string unit) in expected)
        {
            Assert.Equal(unit, published[name]);
        }
        Assert.All(reader.Published, i => Assert.True(i.IsObservable, $"{i.Name} is not observable: the packet path would pay for it"));
        Assert.IsType<ObservableGauge<long>>(reader.Published.Single(i => i.Name == ConnectionsEstablished));
        Assert.IsType<ObservableCounter<long>>(reader.Published.Single(i => i.Name == SegmentsSent));
    }

    [Fact]
    public async Task AnEchoExchangeShowsInTheCountersAndGaugesOfBothStacks()
    {
        using var reader = new MeterReader();
        string serverName = UniqueName("server");
        string clientName = UniqueName("client");
        var wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 1, QueuesB = 2 });
        using FastsocketStack server = StartStack(serverName, 2, wire.B, MonotonicClock.Instance, ServerAddress);
        using FastsocketStack client = StartStack(clientName, 1, wire.A, MonotonicClock.Instance, ClientAddress);
        using var listener = new FastSocket(server);
        listener.Bind(new IPEndPoint(IPAddress.Any, Port));
        listener.Listen(16);
        using var stop = new CancellationTokenSource(Limit);
        foreach (EngineCore core in server.Cores)
        {
            core.Post(_ => _ = FastSocketEchoTests.EchoAcceptLoop(listener, stop.Token), null);
        }

        // One connection held open: both ends count it in their tables.
        using (var held = new FastSocket(client))
        {
            await held.ConnectAsync(new IPEndPoint(ServerAddress.ToIPAddress(), Port), stop.Token);
            Assert.True(await EventuallyAsync(() =>
            {
                IReadOnlyList<RecordedMeasurement> m = reader.Collect();
                return MeterReader.Value(m, ConnectionsEstablished, clientName) == 1 && MeterReader.Value(m, ConnectionsEstablished, serverName) == 1;
            }), "an open connection was not counted on both stacks");
            await EchoAsync(held, 1000, stop.Token);
        }

        long payload = 1000;
        for (int i = 1; i < Connections; i++)
        {
            using var socket = new FastSocket(client);
            await socket.ConnectAsync(new IPEndPoint(ServerAddress.ToIPAddress(), Port), stop.Token);
            await EchoAsync(socket, 1000 + (i * 500), stop.Token);
            payload += 1000 + (i * 500);
        }

        // The client closed first, so its side of every connection waits in TIME-WAIT; the server's are gone.
        IReadOnlyList<RecordedMeasurement> measured = [];
        Assert.True(await EventuallyAsync(() =>
        {
            measured = reader.Collect();
            return MeterReader.Value(measured, ConnectionsClosed, serverName) == Connections
                && MeterReader.Value(measured, ConnectionsClosed, clientName) == Connections;
        }), "the connections did not all close");

        Assert.Equal(Connections, MeterReader.Value(measured, ConnectionsOpened, clientName));
        Assert.Equal(0, MeterReader.Value(measured, ConnectionsAccepted, clientName));
        Assert.Equal(Connections, MeterReader.Value(measured, ConnectionsAccepted, serverName));
        Assert.Equal(0, MeterReader.Value(measured, ConnectionsOpened, serverName));
        Assert.Equal(0, MeterReader.Value(measured, ConnectionsReset, serverName));
        Assert.Equal(Connections, MeterReader.Value(measured, TimeWait, clientName));
        Assert.Equal(0, MeterReader.Value(measured, TimeWait, serverName));
        Assert.Equal(0, MeterReader.Value(measured, ConnectionsEstablished, clientName));
        Assert.Equal(0, MeterReader.Value(measured, ConnectionsEstablished, serverName));

        foreach (string stack in new[] { clientName, serverName })
        {
            double sent = MeterReader.Value(measured, SegmentsSent, stack);
            double received = MeterReader.Value(measured, SegmentsReceived, stack);
            // At least SYN (or SYN-ACK), the data, FIN and the ACKs of each connection.
            Assert.InRange(sent, 3 * Connections, 10_000);
            Assert.InRange(received, 3 * Connections, 10_000);
            // Every segment carries at least 40 bytes of IP and TCP headers, and the payload went both ways.
            Assert.True(MeterReader.Value(measured, BytesSent, stack) >= payload + (40 * sent), $"{stack}: too few bytes sent");
            Assert.True(MeterReader.Value(measured, BytesReceived, stack) >= payload + (40 * received), $"{stack}: too few bytes received");
            Assert.True(MeterReader.Value(measured, Retransmissions, stack, KindTag, "fast") >= 0);
            Assert.True(MeterReader.Value(measured, Retransmissions, stack, KindTag, "timeout") >= 0);
            Assert.True(MeterReader.Value(measured, LossRecoveryEvents, stack, KindTag, "tail_loss_probe") >= 0);
            Assert.True(MeterReader.Value(measured, RfdHandoffs, stack) >= 0);
        }
        // What one side sent, the other received: the in-memory network loses nothing.
        Assert.Equal(MeterReader.Value(measured, BytesSent, clientName), MeterReader.Value(measured, BytesReceived, serverName));

        for (int core = 0; core < 2; core++)
        {
            Assert.InRange(MeterReader.Value(measured, EngineBusyRatio, serverName, CoreTag, core), 0, 1);
            Assert.True(MeterReader.Value(measured, EngineBusyTime, serverName, CoreTag, core) >= 0);
        }
        Assert.Null(MeterReader.Find(measured, EngineBusyRatio, clientName, CoreTag, 1));
        await stop.CancelAsync();
    }

    [Fact]
    public async Task ARefusedConnectIsAResetOnOneSideAndADropByReasonOnTheOther()
    {
        using var reader = new MeterReader();
        string serverName = UniqueName("server");
        string clientName = UniqueName("client");
        var wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 1, QueuesB = 1 });
        using FastsocketStack server = StartStack(serverName, 1, wire.B, MonotonicClock.Instance, ServerAddress);
        using FastsocketStack client = StartStack(clientName, 1, wire.A, MonotonicClock.Instance, ClientAddress);

        using var socket = new FastSocket(client);
        SocketException error = await Assert.ThrowsAsync<SocketException>(
            async () => await socket.ConnectAsync(new IPEndPoint(ServerAddress.ToIPAddress(), 9)).AsTask().WaitAsync(Limit));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);

        IReadOnlyList<RecordedMeasurement> measured = [];
        Assert.True(await EventuallyAsync(() =>
        {
            measured = reader.Collect();
            return MeterReader.Find(measured, PacketsDropped, serverName, ReasonTag, nameof(DropReason.TcpNoListener)) is not null;
        }), "the SYN to a closed port was not reported as a drop");
        Assert.Equal(1, MeterReader.Value(measured, PacketsDropped, serverName, ReasonTag, nameof(DropReason.TcpNoListener)));
        // Reasons that never happened stay silent rather than report zeros.
        Assert.Single(measured, m => m.Instrument == PacketsDropped && m.Has(StackTag, serverName));
        Assert.Equal(1, MeterReader.Value(measured, ConnectionsReset, clientName));
    }

    [Fact]
    public async Task TheBusyRatioIsTheShareOfTimeWithWorkSinceThePreviousObservation()
    {
        using var reader = new MeterReader();
        var clock = new VirtualClock();
        string name = UniqueName("busy");
        using FastsocketStack stack = StartStack(name, 1, new VirtualWire(1, 1, clock).B, clock);
        EngineCore core = stack.Core(0);
        WaitUntilAsleep(core, 0);
        // Opens a window that starts with the engine idle.
        reader.Collect();

        clock.Advance(1_000_000);
        IReadOnlyList<RecordedMeasurement> idle = reader.Collect();
        Assert.Equal(0.0, MeterReader.Value(idle, EngineBusyRatio, name, CoreTag, 0));

        for (int i = 0; i < 4; i++)
        {
            // 30 ms of nothing, then a posted item that takes 30 ms of the stack's clock.
            clock.Advance(30_000);
            long sleeps = core.Sleeps;
            await core.InvokeAsync(() =>
            {
                clock.Advance(30_000);
                return 0;
            }).WaitAsync(Limit);
            WaitUntilAsleep(core, sleeps);
        }
        IReadOnlyList<RecordedMeasurement> half = reader.Collect();
        Assert.Equal(0.5, MeterReader.Value(half, EngineBusyRatio, name, CoreTag, 0), 6);
        // The cumulative counter holds the same 120 ms of work, measured from the start.
        Assert.Equal(0.12, MeterReader.Value(half, EngineBusyTime, name, CoreTag, 0), 3);

        // No time passed: the previous share again rather than 0/0.
        Assert.Equal(0.5, MeterReader.Value(reader.Collect(), EngineBusyRatio, name, CoreTag, 0), 6);
    }

    [Fact]
    public void ADisposedStackLeavesTheMeter()
    {
        using var reader = new MeterReader();
        string name = UniqueName("gone");
        FastsocketStack stack = StartStack(name, 1, new VirtualWire(1, 1, MonotonicClock.Instance).B, MonotonicClock.Instance);
        Assert.Contains(name, LiveStackNames);
        Assert.NotNull(MeterReader.Find(reader.Collect(), SegmentsSent, name));

        stack.Dispose();

        Assert.DoesNotContain(name, LiveStackNames);
        Assert.DoesNotContain(reader.Collect(), m => m.Has(StackTag, name));
    }

    [Fact]
    public void StacksThatShareANameAreReportedAsOne()
    {
        using var reader = new MeterReader();
        string name = UniqueName("twin");
        using FastsocketStack first = StartStack(name, 1, new VirtualWire(1, 1, MonotonicClock.Instance).B, MonotonicClock.Instance);
        using FastsocketStack second = StartStack(name, 2, new VirtualWire(2, 2, MonotonicClock.Instance).B, MonotonicClock.Instance);
        first.Core(0).Engine.Statistics.ConnectionsOpened += 2;
        second.Core(1).Engine.Statistics.ConnectionsOpened += 3;
        Assert.Equal(5, MeterReader.Value(reader.Collect(), ConnectionsOpened, name));
    }

    private static async Task EchoAsync(FastSocket socket, int length, CancellationToken cancellationToken)
    {
        byte[] message = new byte[length];
        new Random(length).NextBytes(message);
        await socket.SendAsync(message, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
        var received = new MemoryStream();
        byte[] buffer = new byte[2048];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, cancellationToken)) > 0)
        {
            received.Write(buffer, 0, n);
        }
        Assert.Equal(message, received.ToArray());
    }

    private static FastsocketStack StartStack(string name, int cores, IMultiQueueDevice device, IClock clock, IpAddress? address = null)
    {
        var stack = new FastsocketStack(new StackOptions
        {
            Cores = cores,
            LocalAddress = address ?? ServerAddress,
            Device = device,
            Clock = clock,
            Tcp = new TcpConfig { NoDelay = true },
            PinThreads = false,
            Name = name,
        });
        stack.Start();
        return stack;
    }

    private static string UniqueName(string role) => $"metrics-{role}-{Guid.NewGuid():N}"[..24];

    /// <summary>Until the engine has gone to sleep more than <paramref name="sleepsBefore"/> times: from then on it is idle until handed work.</summary>
    private static void WaitUntilAsleep(EngineCore core, long sleepsBefore) =>
        Assert.True(SpinWait.SpinUntil(() => core.Sleeps > sleepsBefore, Limit), "an engine with nothing to do never went to sleep");

    /// <summary>Polls up to 3000 times, 10 ms apart: the engines publish their counters as they run.</summary>
    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (int i = 0; i < 3000; i++)
        {
            if (condition())
            {
                return true;
            }
            await Task.Delay(10);
        }
        return condition();
    }
}
