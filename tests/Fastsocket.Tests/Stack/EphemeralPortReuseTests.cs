using System.Net;
using Fastsocket.Bench;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Stack;

/// <summary>
/// Short connections where the server closes first leave TIME-WAIT on the server. A client that picked a port at
/// random would sometimes pick one that closed a moment ago; the server's TIME-WAIT would refuse that SYN and the
/// client would stall for a one-second SYN retransmission. The engine walks its range in turn instead.
/// </summary>
public sealed class EphemeralPortReuseTests
{
    private const int Ports = 64;
    private const ushort FirstPort = 40_000;

    [Fact]
    public async Task SequentialConnectionsUseEveryPortOnceBeforeReusingOneThroughTheServersTimeWait()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1,
            clientEphemeralFirst: FirstPort, clientEphemeralLast: FirstPort + Ports - 1);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 80));
        listener.Listen();
        using var stop = new CancellationTokenSource();
        var spec = new BenchRunSpec();
        new StackBenchServer(listener, spec.Response, workersPerCore: 2, stop.Token).StartOnEveryCore(pair.Server);

        var ports = new List<int>();
        byte[] buffer = new byte[4096];
        for (int i = 0; i < 2 * Ports; i++)
        {
            using var socket = new FastSocket(pair.Client);
            await socket.ConnectAsync(pair.ServerEndPoint(80)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            ports.Add(((IPEndPoint)socket.LocalEndPoint!).Port);
            await socket.SendAsync(spec.Request);
            int total = 0;
            int n;
            while ((n = await socket.ReceiveAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10))) > 0)
            {
                total += n;
            }
            Assert.Equal(spec.Response.Length, total);
        }
        stop.Cancel();

        Assert.Equal(Ports, ports.Take(Ports).Distinct().Count());
        Assert.Equal(ports.Take(Ports), ports.Skip(Ports));
        EngineStatistics server = pair.Server.TotalStatistics();
        EngineStatistics client = pair.Client.TotalStatistics();
        Assert.True(server.TimeWaitReused >= Ports, $"{server.TimeWaitReused} TIME-WAIT records reused");
        Assert.Equal(0, client.RetransmitTimeouts);
        Assert.Equal(0, client.Drops[DropReason.TcpBadAck]);
    }
}
