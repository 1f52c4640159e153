using Fastsocket.Bench;
using Fastsocket.Stack;

namespace Fastsocket.Tests.Cli.Bench;

// Real-time runs on pinned engine threads that assert a clean run (no drops): other tests' load on a 2-core
// machine starves the engines into retransmissions, so these run alone.

/// <summary>The stack target end to end, on the in-memory network, kept short.</summary>
[Collection(Fastsocket.Tests.Stack.MeasurementCollection.Name)]
public sealed class StackBenchTargetTests
{
    [Fact]
    public void ARunCutShortByTheConnectionCapReportsTheTimeItMeasured()
    {
        var target = new StackBenchTarget(StackDesign.Fastsocket);
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, duration: TimeSpan.FromSeconds(60), warmup: TimeSpan.Zero,
            concurrency: 8, maxConnections: 2_000);

        BenchResult result = target.Run(spec, new BenchProgress(), CancellationToken.None);

        // The cap is shared out between the loops (250 each), so the run ends long before its 60 s: the rate must
        // be the connections over the time they took, not over the duration asked for.
        Assert.Equal(0, result.Errors);
        Assert.Equal(2_000, result.Connections);
        Assert.True(result.Seconds > 0 && result.Seconds < 30, $"measured {result.Seconds} s");
        Assert.Equal(result.Connections / result.Seconds, result.Cps, precision: 6);
        Assert.Empty(result.DropReasons!);
    }

    [Fact]
    public void ClientLoopsSpreadOverSeveralSourceAddresses()
    {
        var target = new StackBenchTarget(StackDesign.Fastsocket);
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, duration: TimeSpan.FromSeconds(60), warmup: TimeSpan.Zero,
            concurrency: 6, maxConnections: 1_200)
        {
            ClientAddresses = 3,
        };

        BenchResult result = target.Run(spec, new BenchProgress(), CancellationToken.None);

        Assert.Equal(0, result.Errors);
        Assert.Equal(1_200, result.Connections);
        Assert.Empty(result.DropReasons!);
    }

    [Theory]
    [InlineData(StackDesign.Fastsocket, false)]
    [InlineData(StackDesign.Base, true)]
    public void EachResultCountsTheServersLocksPerConnection(StackDesign design, bool locks)
    {
        var target = new StackBenchTarget(design);
        var spec = new BenchRunSpec(serverCores: 2, clientCores: 2, duration: TimeSpan.FromSeconds(60), warmup: TimeSpan.Zero,
            concurrency: 4, maxConnections: 1_000);

        BenchResult result = target.Run(spec, new BenchProgress(), CancellationToken.None);

        Assert.Equal(0, result.Errors);
        // base looks up every packet in one shared, locked table: several locks per connection; fastsocket none.
        Assert.True(locks ? result.LocksPerConnection >= 1 : result.LocksPerConnection == 0, $"{result.LocksPerConnection} locks per connection");
        Assert.NotNull(result.HandoffsPerConnection);
    }

    [Fact]
    public void EachResultSaysHowMuchOfTheWindowTheEnginesWereIdle()
    {
        var target = new StackBenchTarget(StackDesign.Fastsocket);
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, duration: TimeSpan.FromSeconds(60), warmup: TimeSpan.Zero,
            concurrency: 4, maxConnections: 2_000);

        BenchResult result = target.Run(spec, new BenchProgress(), CancellationToken.None);

        Assert.Equal(0, result.Errors);
        Assert.InRange(result.ServerIdleShare!.Value, 0, 1);
        Assert.InRange(result.ClientIdleShare!.Value, 0, 1);
        // Every packet travels in some batch; a batch holds at least one.
        Assert.True(result.WirePacketsPerBatch >= 1, $"{result.WirePacketsPerBatch} packets per batch");
        Assert.True(result.EngineSleepsPerConnection >= 0);
        if (OperatingSystem.IsLinux())
        {
            Assert.InRange(result.EngineRunQueueWaitShare!.Value, 0, 1);
        }
    }

    [Fact]
    public void AStackWithNothingToDoIsCountedIdle()
    {
        var clock = new Fastsocket.Time.VirtualClock();
        using FastsocketStack stack = IdleTestStack(cores: 2, clock);
        stack.Start();
        WaitUntilAsleep(stack, 0);

        EngineActivitySnapshot start = EngineActivitySnapshot.Take(stack);
        clock.Advance(1_000_000);
        EngineActivitySnapshot end = EngineActivitySnapshot.Take(stack);

        // No packets and no posted work: both engines spent the whole second idle, on the stack's clock.
        Assert.Equal(1.0, EngineActivitySnapshot.IdleShare(start, end));
        Assert.Equal(2, end.Threads);
        if (OperatingSystem.IsLinux())
        {
            Assert.True(start.HasWaits && end.HasWaits, "schedstat of the engine threads was not readable");
            Assert.All(stack.Cores, core => Assert.True(core.NativeThreadId > 0));
        }
    }

    [Fact]
    public async Task WorkThatEndsAnIdlePeriodIsNotCountedIdle()
    {
        var clock = new Fastsocket.Time.VirtualClock();
        using FastsocketStack stack = IdleTestStack(cores: 1, clock);
        stack.Start();
        EngineCore core = stack.Core(0);
        WaitUntilAsleep(stack, 0);

        EngineActivitySnapshot start = EngineActivitySnapshot.Take(stack);
        for (int i = 0; i < 10; i++)
        {
            // 30 ms of nothing, then one posted item that takes 30 ms of the stack's clock. Each item is the first
            // turn after an idle period, the case that was once counted as idle.
            clock.Advance(30_000);
            long sleeps = core.Sleeps;
            await core.InvokeAsync(() =>
            {
                clock.Advance(30_000);
                return 0;
            }).WaitAsync(TimeSpan.FromSeconds(30));
            // Idle again before the clock moves on, so the next 30 ms fall inside an idle period.
            WaitUntilAsleep(stack, sleeps);
        }
        EngineActivitySnapshot end = EngineActivitySnapshot.Take(stack);

        Assert.Equal(0.5, EngineActivitySnapshot.IdleShare(start, end));
    }

    private static FastsocketStack IdleTestStack(int cores, Fastsocket.Time.IClock clock) => new(new StackOptions
    {
        Cores = cores,
        LocalAddress = Fastsocket.Wire.IpAddress.FromIPv4(198, 18, 0, 2),
        Device = new Fastsocket.Devices.VirtualWire(cores, cores, clock).B,
        Clock = clock,
        PinThreads = false,
        Name = "idle",
    });

    /// <summary>
    /// Until every engine has gone to sleep more than <paramref name="sleepsBefore"/> times: an engine counts its
    /// sleep only after an idle period has begun, so from then on it is idle until handed work.
    /// </summary>
    private static void WaitUntilAsleep(FastsocketStack stack, long sleepsBefore) =>
        Assert.True(SpinWait.SpinUntil(() => stack.Cores.All(c => c.Sleeps > sleepsBefore), TimeSpan.FromSeconds(30)),
            "an engine with nothing to do never went to sleep");

    [Theory]
    [InlineData("123 456 7\n", true, 456)]
    [InlineData("123  456  7", true, 456)]
    [InlineData("123", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("a b c", false, 0)]
    public void RunQueueWaitIsTheSecondSchedstatField(string text, bool ok, long expected)
    {
        Assert.Equal(ok, EngineActivitySnapshot.TryParseRunQueueWait(text, out long nanoseconds));
        Assert.Equal(expected, nanoseconds);
    }

    [Fact]
    public void PairedPortsAreExactlyThoseTheServerNicSteersToThePairedCore()
    {
        var wire = new Fastsocket.Devices.VirtualWire(2, 4, Fastsocket.Time.MonotonicClock.Instance);
        var server = Fastsocket.Wire.IpAddress.FromIPv4(198, 18, 0, 2);
        Fastsocket.Wire.IpAddress[] clients = [Fastsocket.Wire.IpAddress.FromIPv4(198, 18, 0, 1), Fastsocket.Wire.IpAddress.FromIPv4(198, 18, 1, 1)];
        var filter = new PairedPortFilter(wire.B, 4, clients, server, 80, 32768, 60999);

        int allowed = 0;
        foreach (var client in clients)
        {
            for (int port = 32768; port <= 60999; port += 7)
            {
                // The NIC's whole classification of a real packet, not the filter's table, decides the queue.
                int queue = wire.B.Classify(Fastsocket.Tests.Support.PacketBuilder.Tcp(client, (ushort)port, server, 80).Build());
                var flow = new Fastsocket.Wire.FlowKey(client, (ushort)port, server, 80);
                for (int core = 0; core < 8; core++)
                {
                    bool allows = filter.Allows(core, flow);
                    Assert.Equal(queue == core % 4, allows);
                    allowed += allows ? 1 : 0;
                }
            }
        }
        Assert.True(allowed > 0);
        // Other destinations are not the filter's business.
        Assert.True(filter.Allows(0, new Fastsocket.Wire.FlowKey(clients[0], 40000, server, 81)));
    }

    [Fact]
    public void APairedRunServesEveryConnection()
    {
        var target = new StackBenchTarget(StackDesign.Fastsocket);
        var spec = new BenchRunSpec(serverCores: 2, clientCores: 2, duration: TimeSpan.FromSeconds(60), warmup: TimeSpan.Zero,
            concurrency: 4, maxConnections: 2_000)
        {
            PairedCores = true,
            ClientAddresses = 2,
        };

        BenchResult result = target.Run(spec, new BenchProgress(), CancellationToken.None);

        Assert.Equal(0, result.Errors);
        Assert.Equal(2_000, result.Connections);
        Assert.Empty(result.DropReasons!);
    }
}
