using Fastsocket.AspNetCore;
using Fastsocket.Devices;
using Fastsocket.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fastsocket.Tests.AspNetCore;

/// <summary>The environment-only path: the hosting startup and the FASTSOCKET_* variables it reads.</summary>
public class HostingStartupTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task HostingStartupMovesAnUnmodifiedAppAndItsHttpClients()
    {
        // The same setting ASPNETCORE_HOSTINGSTARTUPASSEMBLIES gives, passed as an argument so no other test sees it.
        // CreateBuilder, not CreateSlimBuilder: the slim builder runs no hosting startups at all.
        WebApplicationBuilder builder = WebApplication.CreateBuilder(
            ["--hostingStartupAssemblies=Fastsocket.AspNetCore", "--urls=http://localhost:5000"]);
        builder.Logging.ClearProviders();
        builder.Services.AddHttpClient();
        await using WebApplication app = builder.Build();
        app.MapGet("/", () => "unmodified");
        await app.StartAsync();
        try
        {
            Assert.IsType<FastsocketTransportFactory>(app.Services.GetRequiredService<IConnectionListenerFactory>());
            // A client from IHttpClientFactory is on the in-memory network too, where localhost is this app.
            HttpClient client = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
            string body = await client.GetStringAsync("http://localhost:5000/").WaitAsync(Limit);
            Assert.Equal("unmodified", body);
            Assert.True(app.Services.GetRequiredService<FastsocketNetwork>().ServerStack.TotalStatistics().ConnectionsAccepted >= 1);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public void EnvironmentVariablesSetTheOptions()
    {
        var variables = new Dictionary<string, string>
        {
            [FastsocketEnvironment.Cores] = "3",
            [FastsocketEnvironment.Design] = "ReusePort",
            [FastsocketEnvironment.Device] = "memory",
            [FastsocketEnvironment.Address] = "10.1.2.3",
            [FastsocketEnvironment.ClientCores] = "2",
        };
        var options = new FastsocketTransportOptions();
        FastsocketEnvironment.Apply(options, name => variables.GetValueOrDefault(name));
        Assert.Equal(3, options.Cores);
        Assert.Equal(StackDesign.ReusePort, options.Design);
        Assert.Null(options.DeviceFactory);
        Assert.Equal("10.1.2.3", options.Address);
        Assert.Equal(2, options.ClientCores);
    }

    [Theory]
    [InlineData(FastsocketEnvironment.Cores, "zero")]
    [InlineData(FastsocketEnvironment.Cores, "0")]
    [InlineData(FastsocketEnvironment.Design, "epoll")]
    [InlineData(FastsocketEnvironment.Address, "fe80::1")]
    [InlineData(FastsocketEnvironment.Device, "nosuchdevice:x")]
    [InlineData(FastsocketEnvironment.Address, "198.18.0.2/31")]
    [InlineData(FastsocketEnvironment.HostAddress, "198.18.1.1")]
    [InlineData(FastsocketEnvironment.HostAddress, "198.18.0.2")]
    public void BadValuesNameTheirVariable(string variable, string value)
    {
        var options = new FastsocketTransportOptions();
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() =>
            FastsocketEnvironment.Apply(options, name => name == variable ? value : null));
        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RegisteredDeviceKindsAreOpenedWithTheirArgument()
    {
        string? seen = null;
        FastsocketDevices.Register("testdev", (argument, cores) =>
        {
            seen = argument;
            return new VirtualWire(Time.MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 1, QueuesB = cores }).B;
        });
        Func<int, IMultiQueueDevice>? factory = FastsocketDevices.Resolve("testdev:eth7");
        Assert.NotNull(factory);
        Assert.Equal(2, factory(2).QueueCount);
        Assert.Equal("eth7", seen);
    }

    [Fact]
    public void AnAddressWithAPrefixAndAHostAddressAreRead()
    {
        var options = new FastsocketTransportOptions();
        var variables = new Dictionary<string, string>
        {
            [FastsocketEnvironment.Address] = "198.18.20.2/16",
            [FastsocketEnvironment.HostAddress] = "198.18.7.1",
        };
        FastsocketEnvironment.Apply(options, name => variables.GetValueOrDefault(name));
        Assert.Equal("198.18.20.2", options.Address);
        Assert.Equal(16, options.PrefixLength);
        Assert.Equal("198.18.7.1", options.HostAddress);
    }

    [Fact]
    public void TunIsBuiltInAndNeedsTheHostAddressBeforeAnythingIsOpened()
    {
        var options = new FastsocketTransportOptions();
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() =>
            FastsocketEnvironment.Apply(options, name => name == FastsocketEnvironment.Device ? "tun:fst0" : null));
        // Elsewhere than Linux the kind is refused at run time, by name, rather than failing to load.
        Assert.Contains(OperatingSystem.IsLinux() ? FastsocketEnvironment.HostAddress : "need Linux", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheHttpClientSwitchDefaultsToOn()
    {
        Assert.True(FastsocketEnvironment.MoveHttpClients(_ => null));
        Assert.False(FastsocketEnvironment.MoveHttpClients(_ => "0"));
    }
}
