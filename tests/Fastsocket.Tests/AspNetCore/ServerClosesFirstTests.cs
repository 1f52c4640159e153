using System.Net;
using System.Text;
using Fastsocket.AspNetCore;
using Fastsocket.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fastsocket.Tests.AspNetCore;

/// <summary>
/// A response with Connection: close makes the transport send FIN first and keep the socket until the peer's FIN: the
/// connection ends when the peer closes, and also when it never does (DisposeAsync's bound), so no connection is held.
/// </summary>
public class ServerClosesFirstTests
{
    private const int Port = 5002;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ConnectionEndsWhetherOrNotThePeerCloses(bool peerCloses)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseFastsocket(options => options.Cores = 1);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(Port, listen => listen.Use(next => async connection =>
        {
            connection.ConnectionClosed.Register(() => closed.TrySetResult());
            await next(connection);
        })));
        await using WebApplication app = builder.Build();
        app.MapGet("/", () => "bye");
        await app.StartAsync();
        FastsocketNetwork network = app.Services.GetRequiredService<FastsocketNetwork>();

        using var client = new FastSocket(network.ClientStack!);
        await client.ConnectAsync(new IPEndPoint(network.ServerAddress, Port)).AsTask().WaitAsync(Limit);
        await client.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).AsTask().WaitAsync(Limit);
        var response = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (true)
        {
            int n = await client.ReceiveAsync(buffer).AsTask().WaitAsync(Limit);
            if (n == 0)
            {
                break;
            }
            response.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        // The server's FIN came after the whole response (chunked: the body, then the last chunk).
        Assert.StartsWith("HTTP/1.1 200", response.ToString());
        Assert.EndsWith("bye\r\n0\r\n\r\n", response.ToString());
        if (peerCloses)
        {
            client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        }
        // Without the peer's FIN the transport releases the socket after its grace period (ending the receive side,
        // which fires ConnectionClosed); with it, at once. Were the socket kept for a FIN that never comes, this would fail.
        await closed.Task.WaitAsync(Limit);
        await app.StopAsync().WaitAsync(Limit);
    }
}
