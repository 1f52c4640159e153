using System.Net;
using Fastsocket.Devices;
using Fastsocket.Devices.Tun;

namespace Fastsocket.AspNetCore;

/// <summary>
/// FASTSOCKET_DEVICE=tun:NAME: a multi-queue TUN device with one queue per engine core, created in the process's
/// network namespace. The kernel's side gets FASTSOCKET_HOST_ADDRESS with the prefix of FASTSOCKET_ADDRESS (for
/// example 198.18.20.2/24 for the stack and 198.18.20.1 for the kernel), so the kernel routes the prefix into the
/// device and kernel clients reach Kestrel at the stack's address. The device goes away when the host stops
/// (<see cref="FastsocketNetwork"/> disposes it after the stack). Linux only, checked when the variable is read;
/// nothing here runs, and no Linux-specific code is touched, unless a tun device is asked for.
/// </summary>
internal static class FastsocketTunDevice
{
    public const string Kind = "tun";

    public static void Validate(string argument, FastsocketTransportOptions options)
    {
        string spec = $"{FastsocketEnvironment.Device}={Kind}:{argument}";
        if (!OperatingSystem.IsLinux())
        {
            throw new InvalidOperationException($"{spec}: TUN devices need Linux");
        }
        if (argument.Length is 0 or > 15 || argument.Contains('/', StringComparison.Ordinal) || argument.Any(char.IsWhiteSpace))
        {
            throw new InvalidOperationException($"{spec}: expected tun:NAME, NAME an interface name of 1 to 15 characters");
        }
        if (string.IsNullOrWhiteSpace(options.HostAddress))
        {
            throw new InvalidOperationException(
                $"{spec} needs {FastsocketEnvironment.HostAddress}, the kernel side's address in the prefix of {FastsocketEnvironment.Address} (e.g. 198.18.0.1 with 198.18.0.2/24)");
        }
        if (options.TunQueueLength is < TunDevice.MinKernelQueueLength or > TunDevice.MaxKernelQueueLength)
        {
            throw new InvalidOperationException(
                $"{spec}: {nameof(FastsocketTransportOptions.TunQueueLength)} {options.TunQueueLength} must be between {TunDevice.MinKernelQueueLength} and {TunDevice.MaxKernelQueueLength}");
        }
    }

    public static IMultiQueueDevice Open(FastsocketDeviceRequest request)
    {
        Validate(request.Argument, request.Options);
        TunDevice device = TunDevice.Create(request.Argument, request.Cores);
        try
        {
            device.ConfigureHost(IPAddress.Parse(request.Options.HostAddress!), request.Options.PrefixLength, request.Options.TunQueueLength);
        }
        catch
        {
            device.Dispose();
            throw;
        }
        return device;
    }
}
