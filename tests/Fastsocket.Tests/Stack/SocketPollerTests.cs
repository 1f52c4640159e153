using System.Net;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Tests.Stack;

/// <summary>The epoll-like poller: readiness of a listener, of received data, of a peer's close, level-triggered.</summary>
public class SocketPollerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ReportsAcceptableListenerReadableDataAndHangUp()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 6000));
        listener.Listen();
        using var poller = new SocketPoller();
        poller.Register(listener, PollEvents.Readable);
        var ready = new PollResult[8];
        Assert.Equal(0, poller.Wait(ready, 0));

        using var client = new FastSocket(pair.Client);
        await client.ConnectAsync(pair.ServerEndPoint(6000)).AsTask().WaitAsync(Limit);
        Assert.Equal(1, WaitFor(poller, ready, listener, PollEvents.Readable));

        using FastSocket accepted = await listener.AcceptAsync().AsTask().WaitAsync(Limit);
        poller.Register(accepted, PollEvents.Readable);
        await client.SendAsync("ping"u8.ToArray()).AsTask().WaitAsync(Limit);
        WaitFor(poller, ready, accepted, PollEvents.Readable);
        // Level-triggered: still ready until the data is read.
        WaitFor(poller, ready, accepted, PollEvents.Readable);
        byte[] buffer = new byte[16];
        Assert.Equal(4, await accepted.ReceiveAsync(buffer).AsTask().WaitAsync(Limit));

        client.Dispose();
        // The peer's FIN makes the socket readable (a read returns 0).
        WaitFor(poller, ready, accepted, PollEvents.Readable);
        Assert.Equal(0, await accepted.ReceiveAsync(buffer).AsTask().WaitAsync(Limit));
    }

    /// <summary>Waits (bounded) until <paramref name="socket"/> is reported with <paramref name="events"/>.</summary>
    private static int WaitFor(SocketPoller poller, PollResult[] ready, FastSocket socket, PollEvents events)
    {
        for (int attempt = 0; attempt < 600; attempt++)
        {
            int n = poller.Wait(ready, 100);
            for (int i = 0; i < n; i++)
            {
                if (ReferenceEquals(ready[i].Socket, socket) && (ready[i].Events & events) == events)
                {
                    return n;
                }
            }
        }
        Assert.Fail($"the poller never reported {events}");
        return 0;
    }
}
