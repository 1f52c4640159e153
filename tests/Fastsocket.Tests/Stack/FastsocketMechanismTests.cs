using System.Collections.Concurrent;
using System.Net;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Tests.Stack;

/// <summary>Tests that fail if a mechanism of the Fastsocket design were removed.</summary>
public class FastsocketMechanismTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="count"/> echo connections from the client stack and returns the server-side (accept core, owner core) pairs.</summary>
    private static async Task<List<(int AcceptCore, int OwnerCore)>> RunConnections(StackPair pair, FastSocket listener, int count,
        IEnumerable<EngineCore> acceptCores)
    {
        var seen = new ConcurrentBag<(int, int)>();
        using var stop = new CancellationTokenSource(Limit);
        foreach (EngineCore core in acceptCores)
        {
            core.Post(_ => _ = AcceptLoop(listener, seen, stop.Token), null);
        }
        // An accept loop opens its core's local listener when it first runs; connect only once all have.
        ListenerGroup group = pair.Server.FindListener(80)!;
        Assert.True(SpinWait.SpinUntil(() => acceptCores.All(c => group.Local(c.CoreId) is not null), Limit));
        var clients = new List<Task>();
        for (int i = 0; i < count; i++)
        {
            clients.Add(Task.Run(async () =>
            {
                using var socket = new FastSocket(pair.Client);
                await socket.ConnectAsync(pair.ServerEndPoint(80), stop.Token);
                await socket.SendAsync(new byte[] { 1, 2, 3 }, stop.Token);
                byte[] buffer = new byte[16];
                while (await socket.ReceiveAsync(buffer, stop.Token) > 0)
                {
                }
            }));
        }
        await Task.WhenAll(clients).WaitAsync(Limit);
        await stop.CancelAsync();
        return seen.ToList();
    }

    private static async Task AcceptLoop(FastSocket listener, ConcurrentBag<(int, int)> seen, CancellationToken stop)
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
            byte[] buffer = new byte[16];
            _ = Task.Run(async () =>
            {
                using (connection)
                {
                    await connection.ReceiveAsync(buffer, CancellationToken.None);
                    await connection.SendAsync(new byte[] { 9 }, CancellationToken.None);
                }
            }, CancellationToken.None);
        }
    }

    private static FastSocket Listen(FastsocketStack stack)
    {
        var listener = new FastSocket(stack);
        listener.Bind(new IPEndPoint(IPAddress.Any, 80));
        listener.Listen(1024);
        return listener;
    }

    [Fact]
    public async Task SynOnCoreKIsAcceptedOnCoreK()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 2, clientCores: 2);
        using FastSocket listener = Listen(pair.Server);
        var results = await RunConnections(pair, listener, 60, pair.Server.Cores);
        Assert.Equal(60, results.Count);
        // Every connection was accepted on the core whose queue took its SYN (the core that owns it) ...
        Assert.All(results, r => Assert.Equal(r.OwnerCore, r.AcceptCore));
        // ... and RSS spread them over both cores, with no trip through the global listener.
        Assert.Equal(2, results.Select(r => r.OwnerCore).Distinct().Count());
        Assert.Equal(0, pair.Server.TotalStatistics().GlobalListenerFallbacks);
    }

    [Fact]
    public async Task ActivePortsMapToTheirCoreAndDeviceSteeringDeliversReplies()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 2, clientCores: 4);
        using FastSocket listener = Listen(pair.Server);
        using var stop = new CancellationTokenSource(Limit);
        foreach (EngineCore core in pair.Server.Cores)
        {
            core.Post(_ => _ = AcceptLoop(listener, new ConcurrentBag<(int, int)>(), stop.Token), null);
        }
        var ports = new ConcurrentBag<(int Core, int Port)>();
        foreach (EngineCore core in pair.Client.Cores)
        {
            for (int i = 0; i < 5; i++)
            {
                await core.InvokeAsync(async () =>
                {
                    using var socket = new FastSocket(pair.Client);
                    await socket.ConnectAsync(pair.ServerEndPoint(80), stop.Token);
                    ports.Add((socket.CoreId, ((IPEndPoint)socket.LocalEndPoint!).Port));
                }).Unwrap().WaitAsync(Limit);
            }
        }
        Assert.Equal(20, ports.Count);
        Assert.All(ports, p => Assert.Equal(p.Core, p.Port & pair.Client.PortMask));
        Assert.Equal(4, ports.Select(p => p.Core).Distinct().Count());
        // The NIC's port-mask rules delivered every reply to its core: nothing needed a software hand-off.
        Assert.Equal(0, pair.Client.TotalStatistics().RfdHandoffs);
    }

    [Fact]
    public async Task WithoutDeviceSteeringRepliesLandingElsewhereAreHandedToTheOwningCore()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 2, clientCores: 4, clientSteering: false);
        using FastSocket listener = Listen(pair.Server);
        var results = await RunConnections(pair, listener, 60, pair.Server.Cores);
        Assert.Equal(60, results.Count);
        // RSS put some SYN-ACKs on a queue other than the connecting core; software RFD carried them over.
        Assert.True(pair.Client.TotalStatistics().RfdHandoffs > 0);
    }

    [Fact]
    public async Task CoreWithoutLocalListenerFallsBackToTheGlobalListener()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 2, clientCores: 2);
        using FastSocket listener = Listen(pair.Server);
        // Only core 0 accepts: SYNs that RSS sends to core 1 find no local listener there.
        var results = await RunConnections(pair, listener, 60, new[] { pair.Server.Core(0) });
        Assert.Equal(60, results.Count);
        Assert.Contains(results, r => r.OwnerCore == 1);
        Assert.True(pair.Server.TotalStatistics().GlobalListenerFallbacks > 0);
        Assert.Equal(0, pair.Server.TotalStatistics().Drops[Fastsocket.Wire.DropReason.TcpNoListener]);
    }

    [Fact]
    public async Task ClosingACoresAcceptorLosesNoQueuedConnection()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 2, clientCores: 2);
        using FastSocket listener = Listen(pair.Server);
        using var stop = new CancellationTokenSource(Limit);
        EngineCore core1 = pair.Server.Core(1);
        // Core 1 opens its local listener but does not accept yet, so connections queue there.
        await core1.InvokeAsync(() =>
        {
            try
            {
                listener.Accept();
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.WouldBlock)
            {
                // Nothing queued yet: the call still opened core 1's local listener, as accept(2) on a non-blocking socket would.
            }
            return 0;
        });
        var clients = new List<Task<FastSocket>>();
        for (int i = 0; i < 40; i++)
        {
            clients.Add(Task.Run(async () =>
            {
                var socket = new FastSocket(pair.Client);
                await socket.ConnectAsync(pair.ServerEndPoint(80), stop.Token);
                return socket;
            }));
        }
        FastSocket[] connected = await Task.WhenAll(clients).WaitAsync(Limit);
        // A client is connected once it has the SYN-ACK; the server queues the connection when the final ACK
        // arrives, a moment later. Wait (bounded) until all 40 are queued on core 1 or the global listener.
        ListenerGroup group = pair.Server.FindListener(80)!;
        Assert.True(SpinWait.SpinUntil(() => (group.Local(1)?.QueuedCount ?? 0) + group.Global.QueuedCount == 40, Limit));
        int queuedOnCore1 = group.Local(1)?.QueuedCount ?? 0;
        Assert.True(queuedOnCore1 > 0, "RSS should have sent some connections to core 1");

        // Core 1's acceptor goes away; its queue moves to the global listener, where core 0 accepts it all.
        await core1.InvokeAsync(() =>
        {
            listener.StopAcceptingOnCurrentCore();
            return 0;
        });
        int accepted = 0;
        EngineCore core0 = pair.Server.Core(0);
        while (accepted < 40)
        {
            FastSocket s = await core0.InvokeAsync(() => listener.AcceptAsync(stop.Token).AsTask()).Unwrap().WaitAsync(Limit);
            s.Dispose();
            accepted++;
        }
        Assert.Equal(40, accepted);
        foreach (FastSocket socket in connected)
        {
            socket.Dispose();
        }
    }
}
