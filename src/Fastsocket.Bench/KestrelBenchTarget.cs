using System.Net;
using Fastsocket.AspNetCore;
using Fastsocket.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fastsocket.Bench;

/// <summary>
/// The short-connection workload against a real web server: Kestrel serving the bench's response body from one
/// endpoint, on Fastsocket.NET (<c>kestrel-fastsocket</c>: Kestrel's transport on a fastsocket-design server stack,
/// clients on an in-memory client stack) or on Kestrel's socket transport over kernel loopback
/// (<c>kestrel-kernel</c>: kernel sockets on both ends). Same app, same client routine, same load generator, so the
/// two rows differ only in the network under Kestrel.
/// </summary>
public sealed class KestrelBenchTarget : IBenchTarget
{
    /// <summary>The design name of Kestrel on Fastsocket.NET, over the in-memory network.</summary>
    public const string FastsocketDesign = "kestrel-fastsocket";

    /// <summary>The design name of Kestrel's socket transport on kernel loopback.</summary>
    public const string KernelDesign = "kestrel-kernel";

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly bool _overFastsocket;

    /// <summary>Kestrel on Fastsocket.NET when <paramref name="overFastsocket"/> is true, else on kernel sockets.</summary>
    public KestrelBenchTarget(bool overFastsocket)
    {
        _overFastsocket = overFastsocket;
    }

    /// <inheritdoc/>
    public string Design => _overFastsocket ? FastsocketDesign : KernelDesign;

    /// <inheritdoc/>
    public BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(progress);
        return RunAsync(spec, progress, cancellationToken).GetAwaiter().GetResult();
    }

    private async Task<BenchResult> RunAsync(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.AddServerHeader = false);
        if (_overFastsocket)
        {
            builder.WebHost.UseFastsocket(options =>
            {
                options.Cores = spec.ServerCores;
                options.ClientCores = spec.ClientCores;
                options.Design = StackDesign.Fastsocket;
                options.PinThreads = true;
            });
        }
        else
        {
            // One I/O queue per server core: the kernel transport's counterpart of the stack's engine cores.
            builder.Services.Configure<SocketTransportOptions>(options => options.IOQueueCount = spec.ServerCores);
        }
        builder.WebHost.UseUrls(_overFastsocket ? "http://127.0.0.1:80" : "http://127.0.0.1:0");
        await using WebApplication app = builder.Build();
        ReadOnlyMemory<byte> body = spec.Response[(spec.Response.Length - spec.ResponseBytes)..];
        app.Run(context =>
        {
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FastsocketNetwork? network = _overFastsocket ? app.Services.GetRequiredService<FastsocketNetwork>() : null;
            IPEndPoint server = ServerEndPoint(app, network);
            var clients = new KestrelBenchClient[spec.ClientLoops];
            for (int i = 0; i < clients.Length; i++)
            {
                clients[i] = new KestrelBenchClient(server, network?.ClientStack, spec);
            }
            await BenchLoadGenerator.PrimeAsync(clients[0].RunOnceAsync, "Kestrel", cancellationToken).ConfigureAwait(false);
            BenchLoadOutcome outcome = await BenchLoadGenerator
                .RunAsync(spec, progress, (loop, token) => clients[loop].RunOnceAsync(token), cancellationToken)
                .ConfigureAwait(false);
            // Packets per connection stay unreported: the load generator counts only the measured window's
            // connections, and the stack's counters cannot be split at its edges.
            long? drops = network is null
                ? null
                : network.ServerStack.TotalStatistics().Drops.Total + network.ClientStack!.TotalStatistics().Drops.Total;
            return outcome.ToResult(Design, spec, packetsPerConnection: null, drops: drops);
        }
        finally
        {
            using var stop = new CancellationTokenSource(StopTimeout);
            await app.StopAsync(stop.Token).ConfigureAwait(false);
        }
    }

    private static IPEndPoint ServerEndPoint(WebApplication app, FastsocketNetwork? network)
    {
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address);
        return new IPEndPoint(network?.ServerAddress ?? IPAddress.Loopback, uri.Port);
    }
}
