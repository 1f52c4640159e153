using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Fastsocket.Devices.Tun;

namespace Fastsocket.Cli.Commands;

/// <summary>
/// The options serve and load share to put the stack on a TUN device: the device name, our address with the
/// prefix both sides are on, the kernel's address, the cores, and an optional capture.
/// </summary>
internal sealed class TunOptionSet
{
    public Option<string> Tun { get; } = new("--tun")
    {
        Description = "Name of the TUN device to create (it is removed again on exit).",
        HelpName = "name",
        Required = true,
    };

    public Option<string> Address { get; } = new("--address")
    {
        Description = "The stack's IPv4 address and prefix on the device, e.g. 198.18.0.2/24.",
        HelpName = "addr/prefix",
        Required = true,
    };

    public Option<string> HostAddress { get; } = new("--host-address")
    {
        Description = "The kernel's IPv4 address on the device, inside the same prefix.",
        HelpName = "addr",
        Required = true,
    };

    public Option<int> Cores { get; } = new Option<int>("--cores")
    {
        Description = "Engine cores (and TUN queues).",
        DefaultValueFactory = _ => 1,
    }.MustBeInRange(1, 64);

    public Option<int> QueueLength { get; } = new Option<int>("--tun-queue-len")
    {
        Description = $"Packets the kernel may queue for each engine before it drops (the device's txqueuelen; default {TunDevice.DefaultKernelQueueLength}). " +
            "Too short a queue overflows while an engine works through a burst, and every packet lost there costs a retransmission.",
        HelpName = "packets",
        DefaultValueFactory = _ => TunDevice.DefaultKernelQueueLength,
    }.MustBeInRange(TunDevice.MinKernelQueueLength, TunDevice.MaxKernelQueueLength);

    public Option<string> Pcap { get; } = new Option<string>("--pcap")
    {
        Description = "Write every packet through the device to this pcap file.",
        HelpName = "file",
    }.MustBeWritableFilePath();

    public Option<bool> Pin { get; } = new("--pin")
    {
        Description = "Pin engine thread k to the k-th CPU this process may use (all CPUs, or those taskset or a cpuset gave it).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Tun);
        command.Options.Add(Address);
        command.Options.Add(HostAddress);
        command.Options.Add(Cores);
        command.Options.Add(QueueLength);
        command.Options.Add(Pcap);
        command.Options.Add(Pin);
    }

    /// <summary>Reads and cross-checks the addresses; on failure <paramref name="error"/> is the usage message.</summary>
    public bool TryRead(ParseResult parseResult, out TunSettings settings, out string error)
    {
        settings = default!;
        string name = parseResult.GetValue(Tun)!;
        if (name.Length is 0 or > 15 || name.Contains('/') || name.Any(char.IsWhiteSpace))
        {
            error = $"Invalid value '{name}' for option '--tun': must be an interface name of 1 to 15 characters.";
            return false;
        }
        string addressText = parseResult.GetValue(Address)!;
        int slash = addressText.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(addressText[..slash], out IPAddress? address) ||
            address.AddressFamily != AddressFamily.InterNetwork ||
            !int.TryParse(addressText[(slash + 1)..], out int prefix) || prefix is < 1 or > 30)
        {
            error = $"Invalid value '{addressText}' for option '--address': must be an IPv4 address with a prefix of 1 to 30, e.g. 198.18.0.2/24.";
            return false;
        }
        string hostText = parseResult.GetValue(HostAddress)!;
        if (!IPAddress.TryParse(hostText, out IPAddress? host) || host.AddressFamily != AddressFamily.InterNetwork)
        {
            error = $"Invalid value '{hostText}' for option '--host-address': must be an IPv4 address.";
            return false;
        }
        if (host.Equals(address) || !SamePrefix(address, host, prefix))
        {
            error = $"Invalid value '{hostText}' for option '--host-address': must differ from --address and lie in {addressText}.";
            return false;
        }
        settings = new TunSettings(name, address, prefix, host, parseResult.GetValue(Cores), parseResult.GetValue(Pcap),
            parseResult.GetValue(Pin), parseResult.GetValue(QueueLength));
        error = "";
        return true;
    }

    private static bool SamePrefix(IPAddress a, IPAddress b, int prefix)
    {
        uint mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        return (ToUInt32(a) & mask) == (ToUInt32(b) & mask);
    }

    private static uint ToUInt32(IPAddress address)
    {
        byte[] bytes = address.GetAddressBytes();
        return (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
    }
}
