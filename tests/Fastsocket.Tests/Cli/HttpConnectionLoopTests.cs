using System.Net;
using System.Text;
using Fastsocket.Cli.Serve;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tests.Stack;

namespace Fastsocket.Tests.Cli;

/// <summary>
/// `serve --http`'s connection loop starts every connection with a small request buffer (as nginx's
/// client_header_buffer_size) and moves to the large one only for a head that does not fit: requests of either size,
/// and pipelined ones after a large one, are all answered; a head larger than the large buffer is refused (400).
/// </summary>
public sealed class HttpConnectionLoopTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static byte[] Request(int padding, bool close = false) => Encoding.ASCII.GetBytes(
        $"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: {new string('p', padding)}\r\n{(close ? "Connection: close\r\n" : "")}\r\n");

    private static int Count(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }

    private static async Task<(string Replies, ServeCounters Counters)> ExchangeAsync(params byte[][] requests)
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 80));
        listener.Listen();
        ValueTask<FastSocket> accept = listener.AcceptAsync();
        using var client = new FastSocket(pair.Client);
        await client.ConnectAsync(pair.ServerEndPoint(80)).AsTask().WaitAsync(Limit);
        FastSocket server = await accept.AsTask().WaitAsync(Limit);
        var counters = new ServeCounters();
        Task loop = HttpConnectionLoop.RunAsync(server, counters, CancellationToken.None);

        // All requests in one write: the server sees them pipelined, split wherever the segments fall.
        await client.SendAsync(requests.SelectMany(r => r).ToArray()).AsTask().WaitAsync(Limit);
        var replies = new StringBuilder();
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await client.ReceiveAsync(buffer).AsTask().WaitAsync(Limit);
                if (n == 0)
                {
                    break;
                }
                replies.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionReset)
        {
            // A server that closes with a request it did not read still queued resets the connection (as Linux).
        }
        await loop.WaitAsync(Limit);
        return (replies.ToString(), counters);
    }

    [Fact]
    public async Task RequestsSmallAndLargePipelinedAfterEachOtherAreAllAnswered()
    {
        Assert.True(Request(3000).Length > HttpConnectionLoop.SmallBufferLength);
        (string replies, ServeCounters counters) = await ExchangeAsync(Request(10), Request(3000), Request(10), Request(12_000, close: true));
        Assert.Equal(4, Count(replies, "HTTP/1.1 200 OK"));
        Assert.Equal(4, counters.Requests);
        Assert.Equal(0, counters.BadRequests);
    }

    [Fact]
    public async Task AHeadLargerThanTheLargeBufferIsRefused()
    {
        (_, ServeCounters counters) = await ExchangeAsync(Request(10), Request(HttpRequestHead.MaxHeadLength));
        Assert.Equal(1, counters.Requests);
        Assert.Equal(1, counters.BadRequests);
    }
}
