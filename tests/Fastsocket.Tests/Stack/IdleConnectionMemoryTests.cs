using System.Net.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;

namespace Fastsocket.Tests.Stack;

/// <summary>
/// Idle connections must be cheap (issue target: at most 2 KB each, buffers aside): a connection holds no buffer
/// while no data is queued, and its bookkeeping is a pooled object plus a table entry.
/// </summary>
[Collection(MeasurementCollection.Name)]
public class IdleConnectionMemoryTests
{
    private const ushort Port = 81;
    private const int Connections = 5_000;

    [Fact]
    public async Task AnIdleEstablishedConnectionCostsAtMostTwoKilobytes()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1);
        var accepted = new Acceptor();
        ListenerGroup group = pair.Server.Listen(Port, Connections);
        await pair.Server.Core(0).InvokeAsync(() => group.OpenLocal(0).Handler = accepted);

        long before = HeapAfterFullCollection();
        var opener = new Opener(Connections);
        await pair.Client.Core(0).InvokeAsync(() =>
        {
            for (int i = 0; i < Connections; i++)
            {
                pair.Client.Core(0).Engine.Connect(StackPair.ServerAddress, Port, opener);
            }
            return 0;
        });
        Assert.True(opener.AllConnected.Wait(TimeSpan.FromSeconds(60)), $"{opener.AllConnected.CurrentCount} connections did not open");
        Assert.True(SpinWait.SpinUntil(() => accepted.Count == Connections, TimeSpan.FromSeconds(60)), $"accepted {accepted.Count}");
        long after = HeapAfterFullCollection();

        // Both ends of every connection live in this process: the server's and the client's.
        double perConnection = (after - before) / (2.0 * Connections);
        Assert.True(perConnection <= 2048, $"{perConnection:F0} bytes per idle connection");
        Assert.Equal(Connections, pair.Server.ConnectionCount);
        GC.KeepAlive(accepted);
    }

    private static long HeapAfterFullCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private sealed class Acceptor : IListenerHandler
    {
        private readonly List<TcpConnection> _held = new(Connections);
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void OnAcceptable(Listener listener)
        {
            while (listener.TryAccept(out TcpConnection? connection))
            {
                _held.Add(connection!);
                Interlocked.Increment(ref _count);
            }
        }
    }

    private sealed class Opener(int count) : ITcpConnectionHandler
    {
        public CountdownEvent AllConnected { get; } = new(count);

        public void OnConnected(TcpConnection connection, SocketError error)
        {
            if (error == SocketError.Success)
            {
                AllConnected.Signal();
            }
        }

        public void OnReadable(TcpConnection connection)
        {
        }

        public void OnWritable(TcpConnection connection)
        {
        }

        public void OnClosed(TcpConnection connection, SocketError error)
        {
        }
    }
}
