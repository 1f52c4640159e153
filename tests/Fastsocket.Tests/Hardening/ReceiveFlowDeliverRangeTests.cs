using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Fastsocket.Devices;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

/// <summary>
/// Receive Flow Deliver for any ephemeral range (not only ports with bit 15): active connections from every core
/// and every design get their replies, a listener on a high port spreads over the cores like any other, a port is
/// either active or listening, and a range too small for the cores is refused with the reason.
/// </summary>
public sealed class ReceiveFlowDeliverRangeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly IpAddress ServerAddress = IpAddress.FromIPv4(198, 18, 0, 2);
    private static readonly IpAddress ClientAddress = IpAddress.FromIPv4(198, 18, 0, 1);

    private sealed class Pair : IDisposable
    {
        public Pair(StackDesign design, int cores, ushort first, ushort last, int serverCores = 2)
        {
            var wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = cores, QueuesB = serverCores });
            Server = new FastsocketStack(new StackOptions
            {
                Design = design,
                Cores = serverCores,
                LocalAddress = ServerAddress,
                Device = wire.B,
                Tcp = new TcpConfig { NoDelay = true },
                PinThreads = false,
                EphemeralPortFirst = first,
                EphemeralPortLast = last,
                Name = "rfd-server",
            });
            Client = new FastsocketStack(new StackOptions
            {
                Design = design,
                Cores = cores,
                LocalAddress = ClientAddress,
                Device = wire.A,
                Tcp = new TcpConfig { NoDelay = true },
                PinThreads = false,
                EphemeralPortFirst = first,
                EphemeralPortLast = last,
                Name = "rfd-client",
            });
            Server.Start();
            Client.Start();
        }

        public FastsocketStack Server { get; }

        public FastsocketStack Client { get; }

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
        }
    }

    private static FastSocket Listen(FastsocketStack stack, int port)
    {
        var listener = new FastSocket(stack);
        listener.Bind(new IPEndPoint(IPAddress.Any, port));
        listener.Listen(1024);
        return listener;
    }

    private static async Task AcceptLoop(FastSocket listener, ConcurrentBag<(int AcceptCore, int OwnerCore)> seen, CancellationToken stop)
    {
        while (true)
        {
            FastSocket connection;
            try
            {
                connection = await listener.AcceptAsync(stop);
            }
            catch (Exception)
            {
                return;
            }
            seen.Add((EngineCore.Current!.CoreId, connection.CoreId));
            _ = Task.Run(async () =>
            {
                using (connection)
                {
                    byte[] buffer = new byte[16];
                    await connection.ReceiveAsync(buffer, CancellationToken.None);
                    await connection.SendAsync(new byte[] { 9 }, CancellationToken.None);
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>Runs <paramref name="count"/> request/response connections; returns (accept core, owner core) of each and the client ports.</summary>
    private static async Task<(List<(int AcceptCore, int OwnerCore)> Accepted, List<(int Core, int Port)> Ports, int Failures)> Run(
        FastsocketStack server, FastsocketStack client, int port, int count)
    {
        using FastSocket listener = Listen(server, port);
        var seen = new ConcurrentBag<(int, int)>();
        var ports = new ConcurrentBag<(int, int)>();
        int failures = 0;
        using var stop = new CancellationTokenSource(Limit);
        foreach (EngineCore core in server.Cores)
        {
            core.Post(_ => _ = AcceptLoop(listener, seen, stop.Token), null);
        }
        ListenerGroup group = server.FindListener((ushort)port)!;
        if (server.Design != StackDesign.Base)
        {
            // Each accept loop opens its core's local listener when it first runs (base has only the global one).
            Assert.True(SpinWait.SpinUntil(() => server.Cores.All(c => group.Local(c.CoreId) is not null), Limit));
        }
        var endPoint = new IPEndPoint(ServerAddress.ToIPAddress(), port);
        var clients = new List<Task>();
        for (int i = 0; i < count; i++)
        {
            clients.Add(Task.Run(async () =>
            {
                try
                {
                    using var socket = new FastSocket(client);
                    await socket.ConnectAsync(endPoint, stop.Token);
                    ports.Add((socket.CoreId, ((IPEndPoint)socket.LocalEndPoint!).Port));
                    await socket.SendAsync(new byte[] { 1, 2, 3 }, stop.Token);
                    byte[] buffer = new byte[16];
                    int total = 0;
                    int n;
                    while ((n = await socket.ReceiveAsync(buffer, stop.Token)) > 0)
                    {
                        total += n;
                    }
                    if (total != 1)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }
            }));
        }
        await Task.WhenAll(clients).WaitAsync(Limit);
        await stop.CancelAsync();
        return (seen.ToList(), ports.ToList(), failures);
    }

    [Theory]
    [InlineData(StackDesign.Base, 2)]
    [InlineData(StackDesign.Base, 4)]
    [InlineData(StackDesign.ReusePort, 2)]
    [InlineData(StackDesign.ReusePort, 4)]
    [InlineData(StackDesign.Fastsocket, 2)]
    [InlineData(StackDesign.Fastsocket, 4)]
    public async Task ARangeWithoutBit15ConnectsOutFromEveryCoreWithoutFailures(StackDesign design, int cores)
    {
        using var pair = new Pair(design, cores, 10000, 20000);
        var (accepted, ports, failures) = await Run(pair.Server, pair.Client, 80, 48);
        Assert.Equal(0, failures);
        Assert.Equal(48, accepted.Count);
        Assert.Equal(48, ports.Count);
        Assert.All(ports, p => Assert.InRange(p.Port, 10000, 20000));
        Assert.Equal(cores, ports.Select(p => p.Core).Distinct().Count());
        if (design == StackDesign.Fastsocket)
        {
            // Each core connected from its own ports; no hardware rule covers this range, so software RFD carried the
            // replies that RSS put elsewhere.
            Assert.All(ports, p => Assert.Equal(p.Core, p.Port & pair.Client.PortMask));
            Assert.False(pair.Client.DeviceSteering);
        }
        Assert.Equal(0, pair.Client.TotalStatistics().Drops[DropReason.TcpNoListener]);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task AListenerOnAHighPortTakesConnectionsOnEveryCore(int serverCores)
    {
        // The default range 32768-60999 contains 40001: Receive Flow Deliver must not take its SYNs for replies to an
        // active port (the bit-15 test and the NIC's bit-15 port-mask rules sent them all to core 40001 & mask).
        using var pair = new Pair(StackDesign.Fastsocket, 2, StackOptions.DefaultEphemeralPortFirst, StackOptions.DefaultEphemeralPortLast,
            serverCores);
        Assert.True(pair.Server.DeviceSteering);
        var (accepted, _, failures) = await Run(pair.Server, pair.Client, 40001, 80);
        Assert.Equal(0, failures);
        Assert.Equal(80, accepted.Count);
        Assert.All(accepted, a => Assert.Equal(a.OwnerCore, a.AcceptCore));
        Assert.Equal(serverCores, accepted.Select(a => a.OwnerCore).Distinct().Count());
        Assert.Equal(0, pair.Server.TotalStatistics().GlobalListenerFallbacks);
        // The port-mask rules would have matched the listener: they are gone, software RFD does their work.
        Assert.False(pair.Server.DeviceSteering);
    }

    [Fact]
    public async Task TheDefaultRangeKeepsDeviceSteeringWhileNoListenerSitsAbove32767()
    {
        using var pair = new Pair(StackDesign.Fastsocket, 4, StackOptions.DefaultEphemeralPortFirst, StackOptions.DefaultEphemeralPortLast);
        var (_, ports, failures) = await Run(pair.Server, pair.Client, 80, 40);
        Assert.Equal(0, failures);
        Assert.True(pair.Client.DeviceSteering);
        Assert.All(ports, p => Assert.Equal(p.Core, p.Port & pair.Client.PortMask));
        Assert.Equal(0, pair.Client.TotalStatistics().RfdHandoffs);
    }

    [Fact]
    public void ARangeTooSmallForTheCoresIsRefusedWithTheReason()
    {
        var wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 4, QueuesB = 1 });
        ArgumentException e = Assert.Throws<ArgumentException>(() => new FastsocketStack(new StackOptions
        {
            Cores = 4,
            LocalAddress = ClientAddress,
            Device = wire.A,
            PinThreads = false,
            EphemeralPortFirst = 10000,
            EphemeralPortLast = 10010,
        }));
        Assert.Contains("10000-10010", e.Message, StringComparison.Ordinal);
        Assert.Contains("gives some core only", e.Message, StringComparison.Ordinal);
        Assert.Contains($"at least {StackOptions.MinEphemeralPortsPerCore} per core", e.Message, StringComparison.OrdinalIgnoreCase);

        // 4 cores x 64 ports fit in 10000-10255: accepted.
        using var ok = new FastsocketStack(new StackOptions
        {
            Cores = 4,
            LocalAddress = ClientAddress,
            Device = wire.A,
            PinThreads = false,
            EphemeralPortFirst = 10000,
            EphemeralPortLast = 10255,
        });
        Assert.Equal(3, ok.PortMask);
    }

    [Fact]
    public void ListenRefusesAPortAnActiveConnectionHolds()
    {
        var clock = new VirtualClock();
        var wire = new VirtualWire(clock, new VirtualWireOptions { QueuesA = 2, QueuesB = 1 });
        using var stack = new FastsocketStack(new StackOptions
        {
            Cores = 2,
            LocalAddress = ClientAddress,
            Device = wire.A,
            Clock = clock,
            PinThreads = false,
            RandomSeed = 9,
            EphemeralPortFirst = 10000,
            EphemeralPortLast = 20000,
        });
        TcpConnection active = stack.Core(1).Engine.Connect(ServerAddress, 80, null);
        ushort port = active.Key.LocalPort;
        Assert.InRange(port, 10000, 20000);

        // Another core asks: the port is bound by core 1's connection.
        SocketException e = Assert.Throws<SocketException>(() => stack.Core(0).Engine.Listen(port, 16));
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);

        // Once the connection is gone the port is free to listen on, and then no active connection is given it.
        active.Abort();
        Listener listener = stack.Core(0).Engine.Listen(port, 16);
        Assert.Equal(port, listener.Port);
    }

    [Fact]
    public void AStandaloneEngineRefusesToListenOnAPortItsActiveConnectionHolds()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone);
        TcpConnection active = bench.Engine.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, bench.Handler);
        SocketException e = Assert.Throws<SocketException>(() => bench.Engine.Listen(active.Key.LocalPort, 16));
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
    }
}
