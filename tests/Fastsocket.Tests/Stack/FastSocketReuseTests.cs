using System.Net;
using System.Net.Sockets;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Tests.Stack;

/// <summary>
/// Disconnect(reuseSocket) and AcceptAsync(acceptSocket), as on System.Net.Sockets.Socket: one socket object carries
/// connection after connection on either side, and misuse gets the standard errors.
/// </summary>
public sealed class FastSocketReuseTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OneSocketOnEachSideCarriesConnectionAfterConnection()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 7));
        listener.Listen();
        var accepted = new FastSocket(pair.Server);
        var client = new FastSocket(pair.Client);
        var remotePorts = new HashSet<int>();
        for (int round = 0; round < 5; round++)
        {
            ValueTask<FastSocket> accept = listener.AcceptAsync(accepted);
            await client.ConnectAsync(pair.ServerEndPoint(7)).AsTask().WaitAsync(Limit);
            FastSocket server = await accept.AsTask().WaitAsync(Limit);
            Assert.Same(accepted, server);
            Assert.True(remotePorts.Add(((IPEndPoint)server.RemoteEndPoint!).Port));
            Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port, ((IPEndPoint)server.RemoteEndPoint!).Port);

            byte[] message = [(byte)round, 1, 2, 3];
            await client.SendAsync(message);
            byte[] buffer = new byte[16];
            int n = await server.ReceiveAsync(buffer).AsTask().WaitAsync(Limit);
            Assert.Equal(message, buffer[..n]);

            // The server closes first and reuses its socket; the client sees the end of the stream, then does too.
            server.Disconnect(reuseSocket: true);
            Assert.Null(server.RemoteEndPoint);
            Assert.Equal(0, await client.ReceiveAsync(buffer).AsTask().WaitAsync(Limit));
            await client.DisconnectAsync(reuseSocket: true);
            Assert.False(client.Connected);
        }
        accepted.Dispose();
        client.Dispose();
    }

    public static TheoryData<StackDesign> Designs => new() { StackDesign.Base, StackDesign.ReusePort, StackDesign.Fastsocket };

    /// <summary>
    /// Under base and reuseport a connection accepted on one core may live on another, so the worker that reuses its
    /// socket must not block its engine waiting for that core (two engines waiting for each other hung a 16-core run).
    /// </summary>
    [Theory]
    [MemberData(nameof(Designs))]
    public async Task ServerWorkersThatReuseSocketsServeEveryConnectionUnderEveryDesign(StackDesign design)
    {
        using var pair = new StackPair(design, serverCores: 2, clientCores: 2);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 80));
        listener.Listen(1024);
        using var stop = new CancellationTokenSource();
        var spec = new Fastsocket.Bench.BenchRunSpec();
        new Fastsocket.Bench.StackBenchServer(listener, spec.Response, workersPerCore: 8, stop.Token).StartOnEveryCore(pair.Server);

        var loops = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            var socket = new FastSocket(pair.Client);
            byte[] buffer = new byte[4096];
            for (int i = 0; i < 100; i++)
            {
                await socket.ConnectAsync(pair.ServerEndPoint(80));
                await socket.SendAsync(spec.Request);
                int total = 0;
                int n;
                while ((n = await socket.ReceiveAsync(buffer)) > 0)
                {
                    total += n;
                }
                Assert.Equal(spec.Response.Length, total);
                socket.Disconnect(reuseSocket: true);
            }
            socket.Dispose();
        })).ToArray();
        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(60));
        stop.Cancel();
    }

    [Fact]
    public async Task DisconnectWithoutReuseEndsTheSocketsUse()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 7));
        listener.Listen();
        ValueTask<FastSocket> accept = listener.AcceptAsync();
        using var client = new FastSocket(pair.Client);
        await client.ConnectAsync(pair.ServerEndPoint(7)).AsTask().WaitAsync(Limit);
        using FastSocket server = await accept.AsTask().WaitAsync(Limit);

        client.Disconnect(reuseSocket: false);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await client.ConnectAsync(pair.ServerEndPoint(7)));
        server.Disconnect(reuseSocket: false);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await listener.AcceptAsync(server));
    }

    [Fact]
    public async Task MisuseGetsTheStandardSocketErrors()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 7));
        listener.Listen();

        using var fresh = new FastSocket(pair.Client);
        Assert.Equal(SocketError.NotConnected, Assert.Throws<SocketException>(() => fresh.Disconnect(reuseSocket: true)).SocketErrorCode);

        ValueTask<FastSocket> accept = listener.AcceptAsync();
        using var client = new FastSocket(pair.Client);
        await client.ConnectAsync(pair.ServerEndPoint(7)).AsTask().WaitAsync(Limit);
        using FastSocket server = await accept.AsTask().WaitAsync(Limit);

        // A connected socket, one from another stack, and the listener itself cannot take an accepted connection.
        Assert.Equal(SocketError.InvalidArgument, (await Assert.ThrowsAsync<SocketException>(async () => await listener.AcceptAsync(server))).SocketErrorCode);
        Assert.Equal(SocketError.InvalidArgument, (await Assert.ThrowsAsync<SocketException>(async () => await listener.AcceptAsync(fresh))).SocketErrorCode);
        Assert.Equal(SocketError.InvalidArgument, (await Assert.ThrowsAsync<SocketException>(async () => await listener.AcceptAsync(listener))).SocketErrorCode);

        server.Dispose();
        Assert.Throws<ObjectDisposedException>(() => server.Disconnect(reuseSocket: true));
    }
}
