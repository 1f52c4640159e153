using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fastsocket.AspNetCore;

/// <summary><c>builder.WebHost.UseFastsocket()</c>: Kestrel's IP endpoints listen on Fastsocket.NET instead of the kernel.</summary>
public static class FastsocketWebHostBuilderExtensions
{
    /// <summary>
    /// Registers the transport (<see cref="AddFastsocketTransport"/>) in the host's services. Endpoints other than IP
    /// (Unix sockets, named pipes) are left to Kestrel's other transports.
    /// </summary>
    /// <param name="builder">The web host builder.</param>
    /// <param name="configure">Changes the options before the stacks are built; null keeps the defaults.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IWebHostBuilder UseFastsocket(this IWebHostBuilder builder, Action<FastsocketTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureServices(services => services.AddFastsocketTransport(configure));
    }

    /// <summary>The same on a service collection (for hosts that configure services themselves).</summary>
    public static IServiceCollection AddFastsocketTransport(this IServiceCollection services, Action<FastsocketTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<FastsocketTransportOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }
        services.TryAddSingleton<FastsocketNetwork>();
        // Kestrel tries the factories registered last first, and its own socket factory is added with TryAdd: so
        // whether this runs before UseKestrel (hosting startup) or after it (app code), ours serves IP endpoints.
        services.RemoveAll<IConnectionListenerFactory>();
        services.AddSingleton<IConnectionListenerFactory, FastsocketTransportFactory>();
        return services;
    }
}
