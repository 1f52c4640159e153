using Fastsocket.AspNetCore;
using Fastsocket.Devices.Tun;

namespace Fastsocket.Tests.AspNetCore;

/// <summary>The transport's TUN queue length: the device's default unless set, and refused out of range before any device is opened.</summary>
public sealed class TunQueueLengthOptionTests
{
    [Fact]
    public void DefaultsToTheDevicesDefault() =>
        Assert.Equal(TunDevice.DefaultKernelQueueLength, new FastsocketTransportOptions().TunQueueLength);

    [Theory]
    [InlineData(0)]
    [InlineData(TunDevice.MaxKernelQueueLength + 1)]
    public void OutOfRangeIsRefusedByName(int length)
    {
        var options = new FastsocketTransportOptions { TunQueueLength = length };
        var variables = new Dictionary<string, string>
        {
            [FastsocketEnvironment.Device] = "tun:fst0",
            [FastsocketEnvironment.Address] = "198.18.21.2/24",
            [FastsocketEnvironment.HostAddress] = "198.18.21.1",
        };
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() =>
            FastsocketEnvironment.Apply(options, name => variables.GetValueOrDefault(name)));
        Assert.Contains(OperatingSystem.IsLinux() ? nameof(FastsocketTransportOptions.TunQueueLength) : "need Linux", error.Message, StringComparison.Ordinal);
    }
}
