using System.Net;
using Fastsocket.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fastsocket.Tests.AspNetCore;

/// <summary>What the Fastsocket.NET transport tells an operator through ILogger.</summary>
public class TransportLoggingTests
{
    private const string Category = "Fastsocket.AspNetCore.Transport";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheTransportLogsItsStackItsBindAndWhereTheEndpointIsReachable()
    {
        var logs = new CapturingLoggerProvider();
        await using (KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync(logger: logs))
        {
            CapturedLog started = Single(logs, "TransportStarted");
            Assert.Equal(1000, started.EventId.Id);
            Assert.Equal(LogLevel.Information, started.Level);
            Assert.Contains("stack \"kestrel\" (fastsocket design, 2 engine cores) at 198.18.0.2 on the in-memory network", started.Message, StringComparison.Ordinal);

            CapturedLog bound = Single(logs, "ListenerBound");
            Assert.Equal(LogLevel.Information, bound.Level);
            Assert.Contains($"at 198.18.0.2:{KestrelOnFastsocket.Port} (requested 127.0.0.1:{KestrelOnFastsocket.Port})", bound.Message, StringComparison.Ordinal);

            CapturedLog inMemory = Single(logs, "ListenerInMemory");
            Assert.Contains("only clients in this process reach it", inMemory.Message, StringComparison.Ordinal);
            Assert.Contains($"nothing listens on the kernel's 127.0.0.1:{KestrelOnFastsocket.Port}", inMemory.Message, StringComparison.Ordinal);

            // Kestrel's own "Now listening on" shows the address the endpoint is really on, not the kernel's loopback.
            ICollection<string> addresses = host.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            Assert.Equal([$"http://198.18.0.2:{KestrelOnFastsocket.Port}"], addresses);

            Assert.Equal("hello from Fastsocket.NET", await host.Client.GetStringAsync("/").WaitAsync(Limit));
            Assert.Single(logs.Entries, e => e.Category == Category && e.EventId.Name == "ConnectionAccepted" && e.Level == LogLevel.Debug);
        }
        // After the host stopped: the listener unbound, and the client's connection ended with a FIN read (Kestrel's id 6).
        Assert.Equal(1003, Single(logs, "ListenerUnbound").EventId.Id);
        Assert.All(logs.Entries.Where(e => e.Category == Category && e.EventId.Name is "ConnectionReadFin"), e => Assert.Equal(6, e.EventId.Id));
        // The one warning the transport may give at start: on one CPU without the JIT setting (this machine decides).
        string? advice = SingleCpuJitTiering.Advice(Environment.ProcessorCount, Environment.GetEnvironmentVariable);
        if (advice is null)
        {
            Assert.DoesNotContain(logs.Entries, e => e.Category == Category && e.Level >= LogLevel.Warning);
        }
        else
        {
            CapturedLog warning = Assert.Single(logs.Entries, e => e.Category == Category && e.Level >= LogLevel.Warning);
            Assert.Equal(1006, warning.EventId.Id);
            Assert.Contains(SingleCpuJitTiering.Variable, warning.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnAbortedResponseIsLoggedWithKestrelsConnectionEventIds()
    {
        var logs = new CapturingLoggerProvider();
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync(logger: logs);
        // The client reads a little of an endless response and drops the connection with data unread: a reset.
        using (HttpResponseMessage response = await host.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Limit))
        {
            await using Stream body = await response.Content.ReadAsStreamAsync();
            byte[] buffer = new byte[1024];
            Assert.True(await body.ReadAsync(buffer).AsTask().WaitAsync(Limit) > 0);
        }
        Assert.True(await host.StreamAborted.Task.WaitAsync(Limit) >= 0, "the server never saw the client go");
        Assert.True(await KestrelOnFastsocket.EventuallyAsync(() => logs.Entries.Any(e => e.Category == Category && e.EventId.Name is "ConnectionReset" or "ConnectionError" or "ConnectionReadFin")),
            "the transport logged nothing about the connection's end");
        var kestrelIds = new Dictionary<string, int>
        {
            ["ConnectionPause"] = 4,
            ["ConnectionResume"] = 5,
            ["ConnectionReadFin"] = 6,
            ["ConnectionWriteFin"] = 7,
            ["ConnectionError"] = 14,
            ["ConnectionReset"] = 19,
        };
        foreach (CapturedLog entry in logs.Entries.Where(e => e.Category == Category && kestrelIds.ContainsKey(e.EventId.Name!)))
        {
            Assert.Equal(kestrelIds[entry.EventId.Name!], entry.EventId.Id);
            Assert.Equal(LogLevel.Debug, entry.Level);
            Assert.StartsWith("Connection id \"fs", entry.Message, StringComparison.Ordinal);
        }
    }

    private static CapturedLog Single(CapturingLoggerProvider logs, string eventName) =>
        Assert.Single(logs.Entries, e => e.Category == Category && e.EventId.Name == eventName);
}
