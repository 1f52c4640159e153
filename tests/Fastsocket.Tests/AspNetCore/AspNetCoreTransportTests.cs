using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Fastsocket.Stack;

namespace Fastsocket.Tests.AspNetCore;

/// <summary>Kestrel over Fastsocket.NET, driven by HttpClient over Fastsocket.NET, in one process.</summary>
public class AspNetCoreTransportTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    public static TheoryData<StackDesign> Designs => new() { StackDesign.Base, StackDesign.ReusePort, StackDesign.Fastsocket };

    [Theory]
    [MemberData(nameof(Designs))]
    public async Task GetReturnsText(StackDesign design)
    {
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync(design);
        string body = await host.Client.GetStringAsync("/").WaitAsync(Limit);
        Assert.Equal("hello from Fastsocket.NET", body);
    }

    [Fact]
    public async Task LocalhostMapsToTheInMemoryServer()
    {
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync();
        string body = await host.Client.GetStringAsync($"http://localhost:{KestrelOnFastsocket.Port}/").WaitAsync(Limit);
        Assert.Equal("hello from Fastsocket.NET", body);
    }

    [Fact]
    public async Task UnknownHostNameFailsClearly()
    {
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync();
        HttpRequestException error = await Assert.ThrowsAsync<HttpRequestException>(() => host.Client.GetStringAsync("http://example.invalid:5000/").WaitAsync(Limit));
        Assert.Contains("no DNS resolver", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOneMegabyteBody()
    {
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync();
        byte[] body = await host.Client.GetByteArrayAsync("/bytes/1048576").WaitAsync(Limit);
        Assert.Equal(SHA256.HashData(KestrelOnFastsocket.Payload(1 << 20)), SHA256.HashData(body));
    }

    [Fact]
    public async Task PostOneMegabyteBody()
    {
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync();
        byte[] payload = KestrelOnFastsocket.Payload(1 << 20);
        using var content = new ByteArrayContent(payload);
        using HttpResponseMessage hashed = await host.Client.PostAsync("/sha256", content).WaitAsync(Limit);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(payload)), await hashed.Content.ReadAsStringAsync());

        using var echoContent = new ByteArrayContent(payload);
        using HttpResponseMessage echoed = await host.Client.PostAsync("/echo", echoContent).WaitAsync(Limit);
        byte[] back = await echoed.Content.ReadAsByteArrayAsync().WaitAsync(Limit);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(back));
    }

    [Fact]
    public async Task ChunkedResponse()
    {
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync();
        using HttpResponseMessage response = await host.Client.GetAsync("/chunked/50", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Limit);
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Null(response.Content.Headers.ContentLength);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(string.Concat(Enumerable.Range(0, 50).Select(i => $"chunk {i};")), body);
    }

    [Fact]
    public async Task KeepAliveReusesOneConnection()
    {
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync();
        long before = host.Network.ServerStack.TotalStatistics().ConnectionsAccepted;
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("hello from Fastsocket.NET", await host.Client.GetStringAsync("/").WaitAsync(Limit));
        }
        Assert.Equal(1, host.Network.ServerStack.TotalStatistics().ConnectionsAccepted - before);
        Assert.Equal(1, host.Network.ServerStack.ConnectionCount);
    }

    [Fact]
    public async Task ConnectionCloseOpensAConnectionPerRequest()
    {
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync();
        long before = host.Network.ServerStack.TotalStatistics().ConnectionsAccepted;
        for (int i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.ConnectionClose = true;
            using HttpResponseMessage response = await host.Client.SendAsync(request).WaitAsync(Limit);
            Assert.True(response.Headers.ConnectionClose);
            Assert.Equal("hello from Fastsocket.NET", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(10, host.Network.ServerStack.TotalStatistics().ConnectionsAccepted - before);
        Assert.True(await KestrelOnFastsocket.EventuallyAsync(() => host.Network.ServerStack.ConnectionCount == 0),
            $"{host.Network.ServerStack.ConnectionCount} server connections left");
    }

    [Fact]
    public async Task ManyRequestsWithoutErrors()
    {
        const int requests = 10_000;
        const int parallel = 16;
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync();
        host.Handler.MaxConnectionsPerServer = parallel;
        int next = 0;
        int errors = 0;
        int ok = 0;
        var workers = Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                try
                {
                    string body = await host.Client.GetStringAsync("/");
                    if (body == "hello from Fastsocket.NET")
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        await Task.WhenAll(workers).WaitAsync(Limit);
        Assert.Equal(0, errors);
        Assert.Equal(requests, ok);
    }

    [Fact]
    public async Task ClientDisconnectingMidResponseLeaksNoConnection()
    {
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync();
        using (HttpResponseMessage response = await host.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Limit))
        {
            await using Stream body = await response.Content.ReadAsStreamAsync();
            byte[] buffer = new byte[64 * 1024];
            int read = 0;
            while (read < 256 * 1024)
            {
                int n = await body.ReadAsync(buffer).AsTask().WaitAsync(Limit);
                Assert.True(n > 0);
                read += n;
            }
        }
        // Disposing the unread response drops the client's connection; the server must see it and let go.
        long written = await host.StreamAborted.Task.WaitAsync(Limit);
        Assert.True(written >= 0, "the endpoint's RequestAborted never fired after the client left");
        Assert.True(await KestrelOnFastsocket.EventuallyAsync(() => host.Network.ServerStack.ConnectionCount == 0),
            $"{host.Network.ServerStack.ConnectionCount} server connections left");
    }

    [Fact]
    public async Task ParallelLargeBodiesOnSeveralConnections()
    {
        await using KestrelOnFastsocket host = await KestrelOnFastsocket.StartAsync();
        byte[] payload = KestrelOnFastsocket.Payload(256 * 1024);
        string expected = Convert.ToHexString(SHA256.HashData(payload));
        var posts = Enumerable.Range(0, 8).Select(async _ =>
        {
            using var content = new ByteArrayContent(payload);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using HttpResponseMessage response = await host.Client.PostAsync("/echo", content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return Convert.ToHexString(SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));
        });
        string[] hashes = await Task.WhenAll(posts).WaitAsync(Limit);
        Assert.All(hashes, h => Assert.Equal(expected, h));
    }
}
