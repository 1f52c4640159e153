using System.Net;
using System.Net.Sockets;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Tests.Stack;

/// <summary>The behaviour every design must share: the socket API works the same under base, reuseport and fastsocket.</summary>
public class FastSocketEchoTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static TheoryData<StackDesign> Designs => new() { StackDesign.Base, StackDesign.ReusePort, StackDesign.Fastsocket };

    [Theory]
    [MemberData(nameof(Designs))]
    public async Task EchoOverManyConnections(StackDesign design)
    {
        using var pair = new StackPair(design);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 7));
        listener.Listen(128);
        using var stop = new CancellationTokenSource(Limit);
        foreach (EngineCore core in pair.Server.Cores)
        {
            core.Post(_ => _ = EchoAcceptLoop(listener, stop.Token), null);
        }

        var clients = new List<Task>();
        for (int i = 0; i < 40; i++)
        {
            int id = i;
            clients.Add(Task.Run(async () =>
            {
                using var socket = new FastSocket(pair.Client);
                await socket.ConnectAsync(pair.ServerEndPoint(7), stop.Token);
                byte[] message = new byte[1000 + id * 100];
                new Random(id).NextBytes(message);
                await socket.SendAsync(message, stop.Token);
                socket.Shutdown(SocketShutdown.Send);
                var received = new MemoryStream();
                byte[] buffer = new byte[2048];
                int n;
                while ((n = await socket.ReceiveAsync(buffer, stop.Token)) > 0)
                {
                    received.Write(buffer, 0, n);
                }
                Assert.Equal(message, received.ToArray());
            }));
        }
        await Task.WhenAll(clients).WaitAsync(Limit);
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public async Task ConnectToClosedPortIsRefused(StackDesign design)
    {
        using var pair = new StackPair(design);
        using var socket = new FastSocket(pair.Client);
        SocketException error = await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(pair.ServerEndPoint(9)).AsTask().WaitAsync(Limit));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Fact]
    public void ListeningTwiceOnAPortIsAddressAlreadyInUse()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, 1, 1);
        using var first = new FastSocket(pair.Server);
        first.Bind(new IPEndPoint(IPAddress.Any, 8080));
        first.Listen();
        using var second = new FastSocket(pair.Server);
        SocketException error = Assert.Throws<SocketException>(() => second.Bind(new IPEndPoint(IPAddress.Any, 8080)));
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Fact]
    public async Task ReceiveOnUnconnectedSocketIsNotConnected()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, 1, 1);
        using var socket = new FastSocket(pair.Client);
        SocketException error = await Assert.ThrowsAsync<SocketException>(async () => await socket.ReceiveAsync(new byte[10]));
        Assert.Equal(SocketError.NotConnected, error.SocketErrorCode);
    }

    [Fact]
    public async Task StreamRoundTrip()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, 2, 2);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 9000));
        listener.Listen();
        using var stop = new CancellationTokenSource(Limit);
        Task<FastSocket> accepted = listener.AcceptAsync(stop.Token).AsTask();
        using var client = new FastSocket(pair.Client);
        await client.ConnectAsync(pair.ServerEndPoint(9000), stop.Token);
        using FastSocket server = await accepted.WaitAsync(Limit);
        await using var clientStream = new FastSocketStream(client, ownsSocket: false);
        await using var serverStream = new FastSocketStream(server, ownsSocket: false);
        byte[] payload = new byte[300_000];
        new Random(5).NextBytes(payload);
        Task writer = Task.Run(async () =>
        {
            await clientStream.WriteAsync(payload, stop.Token);
            client.Shutdown(SocketShutdown.Send);
        });
        var copy = new MemoryStream();
        await serverStream.CopyToAsync(copy, stop.Token);
        await writer;
        Assert.Equal(payload, copy.ToArray());
    }

    internal static async Task EchoAcceptLoop(FastSocket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
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
            _ = Echo(connection, stop);
        }
    }

    private static async Task Echo(FastSocket connection, CancellationToken stop)
    {
        using (connection)
        {
            byte[] buffer = new byte[4096];
            try
            {
                int n;
                while ((n = await connection.ReceiveAsync(buffer, stop)) > 0)
                {
                    await connection.SendAsync(buffer.AsMemory(0, n), stop);
                }
                connection.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
