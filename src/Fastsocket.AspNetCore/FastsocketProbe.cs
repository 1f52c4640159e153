using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fastsocket.AspNetCore;

/// <summary>
/// FASTSOCKET_PROBE: once the app has started, GETs the given paths from the in-memory client stack and logs each
/// status and body. On the in-memory network nothing outside the process can connect, so this is how an
/// unmodified app shows, by environment variables alone, that it serves requests over Fastsocket.NET.
/// </summary>
internal sealed partial class FastsocketProbe : IHostedService
{
    private readonly FastsocketNetwork _network;
    private readonly IServer _server;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<FastsocketProbe> _logger;
    private readonly string[] _paths;
    private Task? _run;

    public FastsocketProbe(FastsocketNetwork network, IServer server, IHostApplicationLifetime lifetime, ILogger<FastsocketProbe> logger, string paths)
    {
        _network = network;
        _server = server;
        _lifetime = lifetime;
        _logger = logger;
        _paths = paths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lifetime.ApplicationStarted.Register(() => _run = Task.Run(ProbeAsync));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _run?.WaitAsync(cancellationToken) ?? Task.CompletedTask;

    private async Task ProbeAsync()
    {
        string? address = _server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase));
        if (address is null)
        {
            LogNoAddress(_logger);
            return;
        }
        var listening = new Uri(address);
        var baseAddress = new UriBuilder("http", _network.ServerAddress.ToString(), listening.Port).Uri;
        using var client = new HttpClient(_network.CreateHttpHandler()) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        foreach (string path in _paths)
        {
            var url = new Uri(baseAddress, path);
            try
            {
                using HttpResponseMessage response = await client.GetAsync(url, _lifetime.ApplicationStopping).ConfigureAwait(false);
                string body = await response.Content.ReadAsStringAsync(_lifetime.ApplicationStopping).ConfigureAwait(false);
                string shown = body.Length > 200 ? body[..200] + "..." : body;
                LogProbe(_logger, url, (int)response.StatusCode, shown);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                LogProbeFailed(_logger, url, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fastsocket probe: the server has no http:// address to probe")]
    private static partial void LogNoAddress(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fastsocket probe: GET {Url} -> {Status} {Body}")]
    private static partial void LogProbe(ILogger logger, Uri url, int status, string body);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fastsocket probe: GET {Url} failed: {Error}")]
    private static partial void LogProbeFailed(ILogger logger, Uri url, string error);
}
