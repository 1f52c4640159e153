using System.Net.Sockets;
using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;
using Fastsocket.Tests.Support;

namespace Fastsocket.Tests.Stack;

/// <summary>
/// What each design's shared structures cost, counted exactly: connections run one at a time (so no acceptor ever finds
/// a queue emptied under it), and every lock the server (or the client) takes is summed over them. The paper's baseline
/// pays, per passive connection, two accept-queue locks (enqueue, accept), two established-table bucket locks (insert,
/// remove; lookups take none) and four VFS locks (descriptor and inode/dentry at accept, both again at close); each
/// Fastsocket mechanism removes its share and nothing else.
/// </summary>
public class DesignLockCountTests
{
    private const ushort Port = 80;
    private const int Connections = 120;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly IpAddress ServerAddress = IpAddress.FromIPv4(198, 18, 0, 2);
    private static readonly IpAddress ClientAddress = IpAddress.FromIPv4(198, 18, 0, 1);
    private static readonly byte[] Request = "GET / HTTP/1.1\r\n\r\n"u8.ToArray();
    private static readonly byte[] Response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray();

    [Theory]
    [InlineData("base", 8)]
    [InlineData("reuseport", 8)]
    [InlineData("fastsocket", 0)]
    [InlineData("base+local-listen", 6)]
    [InlineData("base+local-established", 6)]
    [InlineData("base+rfd", 8)]
    [InlineData("base+light-sockets", 4)]
    public void EachServerDesignTakesExactlyItsLocksPerConnection(string design, int locksPerConnection)
    {
        Assert.True(StackDesigns.TryParse(design, out StackMechanisms server));
        using var pair = new Pair(server, StackMechanisms.Fastsocket);
        pair.RunSerialConnections(Connections);

        Assert.Equal(0, pair.ClientErrors);
        Assert.Equal(Connections, pair.Served);
        Assert.Equal((long)locksPerConnection * Connections, pair.Server.TotalStatistics().LockAcquisitions);
        Assert.Equal(0, pair.Client.TotalStatistics().LockAcquisitions);
        // Every file the server opened at accept was closed at close: nothing leaks from the descriptor table.
        Assert.Equal(0, pair.Server.SharedFiles?.OpenCount ?? 0);
    }

    [Theory]
    [InlineData("base", 6)]
    [InlineData("fastsocket", 0)]
    [InlineData("base+local-established", 6)]
    [InlineData("base+light-sockets", 2)]
    public void AClientOfEachDesignPaysItsTableAndFileLocksPerConnection(string design, int locksPerConnection)
    {
        // Active connections: the descriptor and inode/dentry locks at connect and at close (4), the bucket locks of
        // the insert and the removal (2); no listener is involved. Without Receive Flow Deliver a Local Established Table
        // cannot hold active connections (their replies land on any core), so they stay in the shared table.
        Assert.True(StackDesigns.TryParse(design, out StackMechanisms client));
        using var pair = new Pair(StackMechanisms.Fastsocket, client);
        pair.RunSerialConnections(Connections);

        Assert.Equal(0, pair.ClientErrors);
        Assert.Equal((long)locksPerConnection * Connections, pair.Client.TotalStatistics().LockAcquisitions);
        Assert.Equal(0, pair.Server.TotalStatistics().LockAcquisitions);
        Assert.Equal(0, pair.Client.SharedFiles?.OpenCount ?? 0);
    }

    [Fact]
    public async Task ARefusedConnectClosesTheFileItOpened()
    {
        using var pair = new Pair(StackMechanisms.Fastsocket, StackMechanisms.None, listen: false);
        var refused = new TaskCompletionSource<SocketError>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new ConnectOutcome(refused);
        pair.Client.Core(0).Post(_ => EngineCore.Current!.Engine.Connect(ServerAddress, Port, handler), null);
        Assert.Equal(SocketError.ConnectionRefused, await refused.Task.WaitAsync(Limit));
        Assert.True(SpinWait.SpinUntil(() => pair.Client.ConnectionCount == 0, Limit));
        Assert.Equal(0, pair.Client.SharedFiles!.OpenCount);
        // Open (2) and close (2) of the file, insert and removal in the established table (2).
        Assert.Equal(6, pair.Client.TotalStatistics().LockAcquisitions);
    }

    [Fact]
    public void TheBaseDesignLooksEveryPacketUpWithoutALock()
    {
        using var pair = new Pair(StackMechanisms.None, StackMechanisms.Fastsocket);
        pair.RunSerialConnections(Connections);
        EngineStatistics stats = pair.Server.TotalStatistics();
        // Several packets per connection reach the server, each looked up in the shared table: none takes a lock.
        Assert.True(stats.PacketsIn >= 3L * Connections, $"{stats.PacketsIn} packets in");
        Assert.Equal(8L * Connections, stats.LockAcquisitions);
    }

    [Fact]
    public void TheDesignsAreTheirMechanismSets()
    {
        using var pair = new Pair(StackDesigns.MechanismsOf(StackDesign.Base), StackMechanisms.Fastsocket, listen: false);
        Assert.Equal(StackDesign.Base, pair.Server.Design);
        Assert.NotNull(pair.Server.SharedConnections);
        Assert.NotNull(pair.Server.SharedFiles);
        Assert.Equal(StackDesign.Fastsocket, pair.Client.Design);
        Assert.Null(pair.Client.SharedConnections);
        Assert.Null(pair.Client.SharedFiles);
        using var ablation = new Pair(StackMechanisms.LocalEstablished, StackMechanisms.LightSockets, listen: false);
        Assert.Equal(StackDesign.Base, ablation.Server.Design);
        Assert.Equal(StackMechanisms.LocalEstablished, ablation.Server.Mechanisms);
        // Kept for active connections, which only Receive Flow Deliver could place on a local table.
        Assert.NotNull(ablation.Server.SharedConnections);
        Assert.Null(ablation.Client.SharedFiles);
    }

    /// <summary>Two stacks of the given mechanisms on the in-memory network, 2 cores each; the server answers on every core.</summary>
    private sealed class Pair : IDisposable
    {
        private readonly RequestAndReadClient? _clientApp;
        private long _served;
        private long _clientErrors;
        private int _remaining;
        private ManualResetEventSlim? _done;

        public Pair(StackMechanisms server, StackMechanisms client, bool listen = true)
        {
            var wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 2, QueuesB = 2 });
            Server = new FastsocketStack(new StackOptions
            {
                Mechanisms = server,
                Cores = 2,
                LocalAddress = ServerAddress,
                Device = wire.B,
                Tcp = new TcpConfig { NoDelay = true },
                PinThreads = false,
                Name = "locks-server",
            });
            Client = new FastsocketStack(new StackOptions
            {
                Mechanisms = client,
                Cores = 2,
                LocalAddress = ClientAddress,
                Device = wire.A,
                Tcp = new TcpConfig { NoDelay = true },
                PinThreads = false,
                Name = "locks-client",
            });
            Server.Start();
            Client.Start();
            if (listen)
            {
                OpenServerOnEveryCore();
                _clientApp = new RequestAndReadClient(Port, Request, OnClientFinished);
            }
        }

        public FastsocketStack Server { get; }

        public FastsocketStack Client { get; }

        public long Served => Interlocked.Read(ref _served);

        public long ClientErrors => Interlocked.Read(ref _clientErrors);

        /// <summary>Runs <paramref name="count"/> connections one after another from client core 0, then waits until both stacks let go of them.</summary>
        public void RunSerialConnections(int count)
        {
            using var done = new ManualResetEventSlim();
            _remaining = count;
            _done = done;
            Client.Core(0).Post(_ => _clientApp!.Connect(), null);
            Assert.True(done.Wait(Limit), $"{Volatile.Read(ref _remaining)} connections left");
            // The server closes first and holds TIME-WAIT; its connections leave the table when the client's FIN is acknowledged.
            Assert.True(SpinWait.SpinUntil(() => Server.ConnectionCount == 0 && Client.ConnectionCount == 0, Limit));
        }

        /// <summary>One connection at a time on client core 0: the next opens when the last has finished.</summary>
        private bool OnClientFinished(bool error)
        {
            if (error)
            {
                Interlocked.Increment(ref _clientErrors);
            }
            if (Interlocked.Decrement(ref _remaining) > 0)
            {
                return true;
            }
            _done!.Set();
            return false;
        }

        private void OpenServerOnEveryCore()
        {
            ListenerGroup group = Server.Listen(Port, 1024);
            using var ready = new CountdownEvent(Server.CoreCount);
            foreach (EngineCore core in Server.Cores)
            {
                var handler = new AnswerAndCloseServer(Request.Length, Response, () => Interlocked.Increment(ref _served));
                core.Post(_ =>
                {
                    group.OpenLocal(EngineCore.Current!.CoreId).Handler = handler;
                    group.Global.Handler = handler;
                    ready.Signal();
                }, null);
            }
            Assert.True(ready.Wait(Limit));
        }

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
        }

        /// <summary>Accepts, reads the request, answers and closes first, on whichever core hears of the connection.</summary>
    }

    private sealed class ConnectOutcome(TaskCompletionSource<SocketError> outcome) : ITcpConnectionHandler
    {
        public void OnConnected(TcpConnection connection, SocketError error) => outcome.TrySetResult(error);

        public void OnReadable(TcpConnection connection)
        {
        }

        public void OnWritable(TcpConnection connection)
        {
        }

        public void OnClosed(TcpConnection connection, SocketError error) => outcome.TrySetResult(error);
    }
}
