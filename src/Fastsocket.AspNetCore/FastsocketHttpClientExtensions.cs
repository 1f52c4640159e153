using System.Net;
using Fastsocket.Stack;
using Microsoft.Extensions.DependencyInjection;

namespace Fastsocket.AspNetCore;

/// <summary>Moves every HttpClient built through IHttpClientFactory onto Fastsocket.NET.</summary>
public static class FastsocketHttpClientExtensions
{
    /// <summary>Makes <paramref name="stack"/> the primary handler's network for every client the factory builds.</summary>
    public static IServiceCollection AddFastsocketHttpClientDefaults(this IServiceCollection services, FastsocketStack stack, Func<string, IPAddress?>? resolveHost = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(stack);
        return services.ConfigureHttpClientDefaults(builder =>
            builder.ConfigurePrimaryHttpMessageHandler(() => FastsocketHttpHandler.Create(stack, resolveHost)));
    }

    /// <summary>
    /// The same with the app's own in-memory network: clients connect from its client stack, and "localhost" is the
    /// app's server. Use with <see cref="FastsocketWebHostBuilderExtensions.UseFastsocket"/> on the in-memory device.
    /// </summary>
    public static IServiceCollection AddFastsocketHttpClientDefaults(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.ConfigureHttpClientDefaults(builder =>
            builder.ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<FastsocketNetwork>().CreateHttpHandler()));
    }
}
