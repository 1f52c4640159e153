using System.Globalization;
using System.Text;
using Fastsocket.AspNetCore;
using Fastsocket.Cli.Serve;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// The Kestrel server of the <c>kestrel-sockets</c> and <c>kestrel-tun</c> rows, run as a child process of
/// <c>bench --real</c> inside its namespace: a minimal app answering every request with the same body as serve's
/// page, no server header, no logging. With FASTSOCKET_DEVICE set it runs on Fastsocket.NET's transport (the
/// FASTSOCKET_* variables say the device, addresses and cores, engine threads pinned); otherwise on Kestrel's socket
/// transport with one I/O queue per FASTSOCKET_CORES. It stops on SIGTERM, or after FASTSOCKET_REAL_LIFETIME seconds.
/// With FASTSOCKET_REAL_STATS=1 it also reports what it allocates (<see cref="RealAllocationSampler"/>).
/// </summary>
internal static class RealKestrelServer
{
    /// <summary>The line prefix printed once Kestrel is listening.</summary>
    public const string ReadyMarker = "fastsocket: kestrel ready";

    /// <summary>Seconds after which the server stops by itself, so that none outlives a bench that was killed.</summary>
    public const string LifetimeVariable = "FASTSOCKET_REAL_LIFETIME";

    private static readonly byte[] Body = Encoding.ASCII.GetBytes(RealDesigns.Body);

    /// <summary>Serves <paramref name="url"/> until stopped; returns the exit code.</summary>
    public static int Run(string url, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            return RunAsync(url, stdout).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            stderr.WriteLine($"fastsocket: kestrel server on {url} failed: {ex.GetType().Name}: {ex.Message}");
            return Commands.ExitCodes.Failed;
        }
    }

    private static async Task<int> RunAsync(string url, TextWriter stdout)
    {
        string? device = Environment.GetEnvironmentVariable(FastsocketEnvironment.Device);
        int cores = int.TryParse(Environment.GetEnvironmentVariable(FastsocketEnvironment.Cores), NumberStyles.None,
            CultureInfo.InvariantCulture, out int parsed) && parsed > 0 ? parsed : 1;
        TimeSpan lifetime = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable(LifetimeVariable), NumberStyles.None,
            CultureInfo.InvariantCulture, out int seconds) && seconds > 0 ? seconds : 3600);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.AddServerHeader = false);
        if (!string.IsNullOrEmpty(device))
        {
            builder.WebHost.UseFastsocket(options =>
            {
                FastsocketEnvironment.Apply(options, Environment.GetEnvironmentVariable);
                options.PinThreads = true;
            });
        }
        else
        {
            builder.Services.Configure<SocketTransportOptions>(options => options.IOQueueCount = cores);
        }
        builder.WebHost.UseUrls(url);

        await using WebApplication app = builder.Build();
        app.Run(context =>
        {
            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = Body.Length;
            return context.Response.Body.WriteAsync(Body, context.RequestAborted).AsTask();
        });

        using var stop = new StopSignal(lifetime);
        using RealAllocationSampler? sampler = Environment.GetEnvironmentVariable(RealAllocationSampler.Variable) == "1"
            ? new RealAllocationSampler(stdout)
            : null;
        await app.StartAsync(stop.Token).ConfigureAwait(false);
        stdout.WriteLine($"{ReadyMarker}: {url} on {(string.IsNullOrEmpty(device) ? "kernel sockets" : $"Fastsocket.NET over {device}")}, {cores} core(s)");
        stdout.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or the lifetime: stop below.
        }
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await app.StopAsync(stopping.Token).ConfigureAwait(false);
        return Commands.ExitCodes.Success;
    }
}
