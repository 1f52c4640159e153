using Fastsocket.AspNetCore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

[assembly: HostingStartup(typeof(FastsocketHostingStartup))]

namespace Fastsocket.AspNetCore;

/// <summary>
/// Runs an unmodified app on Fastsocket.NET: with ASPNETCORE_HOSTINGSTARTUPASSEMBLIES=Fastsocket.AspNetCore the
/// host calls this before the app's own configuration, and it does what UseFastsocket would, with options from
/// FASTSOCKET_* environment variables (see <see cref="FastsocketEnvironment"/>). Kestrel's IP endpoints move to the
/// stack, and so do HttpClients built by IHttpClientFactory unless FASTSOCKET_HTTPCLIENT=0.
/// </summary>
public sealed class FastsocketHostingStartup : IHostingStartup
{
    /// <inheritdoc/>
    /// <remarks>Reads the FASTSOCKET_* variables once here, so a malformed one throws <see cref="InvalidOperationException"/> at start-up.</remarks>
    public void Configure(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Read once here so a bad value fails start-up, not the first request.
        var parsed = new FastsocketTransportOptions();
        FastsocketEnvironment.Apply(parsed, Environment.GetEnvironmentVariable);
        bool moveHttpClients = FastsocketEnvironment.MoveHttpClients(Environment.GetEnvironmentVariable);
        string? probe = Environment.GetEnvironmentVariable(FastsocketEnvironment.Probe);
        builder.UseFastsocket(options => FastsocketEnvironment.Apply(options, Environment.GetEnvironmentVariable));
        builder.ConfigureServices(services =>
        {
            if (moveHttpClients)
            {
                services.AddFastsocketHttpClientDefaults();
            }
            if (!string.IsNullOrWhiteSpace(probe) && parsed.DeviceFactory is null)
            {
                services.AddHostedService(provider => ActivatorUtilities.CreateInstance<FastsocketProbe>(provider, probe));
            }
        });
    }
}
