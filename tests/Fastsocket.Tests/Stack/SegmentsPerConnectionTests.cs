using System.Net.Sockets;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;

namespace Fastsocket.Tests.Stack;

/// <summary>
/// Packets per short connection (connect, request, response, server close) with the default TCP settings, counted on
/// the engines: the quick ACK of a connection's first data must not cost a packet when the server answers in the same
/// engine turn (inline in the engine callback, or from an await that resumes on the engine's core), because the
/// reply carries the ACK. Server: SYN-ACK, response with FIN, ACK of the client's FIN. Client: SYN, request (carrying
/// the handshake's ACK), FIN carrying the ACK of the response.
/// </summary>
[Collection(MeasurementCollection.Name)]
public class SegmentsPerConnectionTests
{
    private const ushort Port = 80;
    private const int Connections = 300;
    private static readonly byte[] Request = "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"u8.ToArray();
    private static readonly byte[] Response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray();

    [Fact]
    public void AServerAnsweringInItsEngineCallbackSendsThreePacketsPerConnection()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1, tcp: new TcpConfig());
        ListenerGroup group = pair.Server.Listen(Port, 1024);
        var handler = new AnswerAndCloseServer(Request.Length, Response, () => { });
        using (var ready = new CountdownEvent(1))
        {
            pair.Server.Cores[0].Post(_ =>
            {
                group.OpenLocal(EngineCore.Current!.CoreId).Handler = handler;
                group.Global.Handler = handler;
                ready.Signal();
            }, null);
            Assert.True(ready.Wait(TimeSpan.FromSeconds(30)));
        }

        (long server, long client) = CountPackets(pair);

        Assert.Equal(3 * Connections, server);
        Assert.Equal(3 * Connections, client);
    }

    [Fact]
    public void TheBenchmarkServerAnsweringFromAnAwaitSendsThreePacketsPerConnection()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1, tcp: new TcpConfig());
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, Port));
        listener.Listen(1024);
        using var stop = new CancellationTokenSource();
        new Fastsocket.Bench.StackBenchServer(listener, Response, workersPerCore: 4, stop.Token).StartOnEveryCore(pair.Server);

        (long server, long client) = CountPackets(pair);
        stop.Cancel();

        Assert.Equal(3 * Connections, server);
        Assert.Equal(3 * Connections, client);
    }

    /// <summary>Runs the connections one at a time and returns the packets each stack sent for them.</summary>
    private static (long Server, long Client) CountPackets(StackPair pair)
    {
        long serverBefore = pair.Server.TotalStatistics().PacketsOut;
        long clientBefore = pair.Client.TotalStatistics().PacketsOut;
        using var finished = new CountdownEvent(Connections);
        int started = 1;
        int errors = 0;
        // One connection at a time: each ends before the next starts, so no two share the engine's turns.
        var client = new RequestAndReadClient(Port, Request, error =>
        {
            if (error)
            {
                errors++;
            }
            finished.Signal();
            return started++ < Connections;
        });
        pair.Client.Cores[0].Post(_ => client.Connect(), null);
        Assert.True(finished.Wait(TimeSpan.FromSeconds(60)), $"{finished.CurrentCount} connections did not finish");
        Assert.Equal(0, Volatile.Read(ref errors));
        // The server's last packet (the ACK of the client's FIN) may still be on its way when the client is done.
        Assert.True(SpinWait.SpinUntil(() => pair.Server.ConnectionCount == 0, TimeSpan.FromSeconds(30)));
        return (pair.Server.TotalStatistics().PacketsOut - serverBefore, pair.Client.TotalStatistics().PacketsOut - clientBefore);
    }
}
