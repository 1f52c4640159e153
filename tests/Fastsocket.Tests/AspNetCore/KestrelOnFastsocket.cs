using System.Security.Cryptography;
using Fastsocket.AspNetCore;
using Fastsocket.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fastsocket.Tests.AspNetCore;

/// <summary>
/// A WebApplication on Kestrel over a server stack (VirtualWire B) and an HttpClient over the client stack
/// (VirtualWire A), in one process: the endpoints the tests call, and the client.
/// </summary>
public sealed class KestrelOnFastsocket : IAsyncDisposable
{
    public const int Port = 5000;

    private KestrelOnFastsocket(WebApplication app, FastsocketNetwork network)
    {
        App = app;
        Network = network;
        Handler = network.CreateHttpHandler();
        Client = new HttpClient(Handler, disposeHandler: true)
        {
            BaseAddress = new Uri($"http://{network.ServerAddress}:{Port}/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public WebApplication App { get; }

    public FastsocketNetwork Network { get; }

    public SocketsHttpHandler Handler { get; }

    public HttpClient Client { get; }

    /// <summary>Bytes the /stream endpoint had written when its request was aborted; -1 if RequestAborted never fired.</summary>
    public TaskCompletionSource<long> StreamAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="design">The server stack's design.</param>
    /// <param name="cores">The server stack's cores.</param>
    /// <param name="logger">Where the app's logs go, from Debug up; none when null.</param>
    public static async Task<KestrelOnFastsocket> StartAsync(StackDesign design = StackDesign.Fastsocket, int cores = 2, ILoggerProvider? logger = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logger is not null)
        {
            builder.Logging.AddProvider(logger);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }
        builder.WebHost.UseFastsocket(options =>
        {
            options.Cores = cores;
            options.ClientCores = 2;
            options.Design = design;
        });
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        WebApplication app = builder.Build();
        KestrelOnFastsocket? host = null;
        app.MapGet("/", () => "hello from Fastsocket.NET");
        app.MapPost("/echo", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        app.MapPost("/sha256", async (HttpContext context) =>
        {
            byte[] hash = await SHA256.HashDataAsync(context.Request.Body, context.RequestAborted);
            return Convert.ToHexString(hash);
        });
        app.MapGet("/bytes/{count:int}", async (int count, HttpContext context) =>
        {
            byte[] data = Payload(count);
            context.Response.ContentLength = data.Length;
            await context.Response.Body.WriteAsync(data, context.RequestAborted);
        });
        app.MapGet("/chunked/{chunks:int}", async (int chunks, HttpContext context) =>
        {
            // No Content-Length and several flushes: Kestrel frames the body with chunked transfer coding.
            for (int i = 0; i < chunks; i++)
            {
                await context.Response.WriteAsync($"chunk {i};", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        app.MapGet("/stream", async (HttpContext context) =>
        {
            // Writes until the client goes away.
            byte[] block = new byte[16 * 1024];
            long written = 0;
            try
            {
                for (int i = 0; i < 100_000 && !context.RequestAborted.IsCancellationRequested; i++)
                {
                    await context.Response.Body.WriteAsync(block, context.RequestAborted);
                    written += block.Length;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
            }
            // Kestrel turns writes after an abort into no-ops and cancels RequestAborted from the thread pool, so the
            // loop may finish before the token says so: what matters is that it does say so, soon.
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(20), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            host!.StreamAborted.TrySetResult(context.RequestAborted.IsCancellationRequested ? written : -1);
        });
        await app.StartAsync();
        host = new KestrelOnFastsocket(app, app.Services.GetRequiredService<FastsocketNetwork>());
        return host;
    }

    /// <summary>Deterministic content of a given size.</summary>
    public static byte[] Payload(int count)
    {
        byte[] data = new byte[count];
        new Random(count).NextBytes(data);
        return data;
    }

    /// <summary>Polls <paramref name="condition"/> up to <paramref name="iterations"/> times, 10 ms apart; no fixed sleep.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, int iterations = 3000)
    {
        for (int i = 0; i < iterations; i++)
        {
            if (condition())
            {
                return true;
            }
            await Task.Delay(10);
        }
        return condition();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.StopAsync(stop.Token);
        await App.DisposeAsync();
    }
}
