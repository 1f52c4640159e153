using System.Net;

namespace Fastsocket.Cli.Commands;

/// <summary>Validated TUN options of serve and load.</summary>
internal sealed record TunSettings(string Name, IPAddress Address, int Prefix, IPAddress HostAddress, int Cores, string? PcapPath, bool Pin,
    int QueueLength = Devices.Tun.TunDevice.DefaultKernelQueueLength);
