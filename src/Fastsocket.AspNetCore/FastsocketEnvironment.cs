using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.AspNetCore;

/// <summary>
/// Transport options from environment variables, for apps that are not changed to call UseFastsocket:
/// FASTSOCKET_CORES (engine cores), FASTSOCKET_DESIGN (base, reuseport, fastsocket), FASTSOCKET_DEVICE
/// (memory, or KIND:ARGUMENT such as tun:NAME), FASTSOCKET_ADDRESS (the stack's IPv4 address, optionally with a
/// prefix length: 198.18.20.2/24), FASTSOCKET_HOST_ADDRESS (the kernel's side of a TUN device) and
/// FASTSOCKET_CLIENT_CORES (the in-memory client stack's cores). A malformed value fails start-up with its name.
/// </summary>
public static class FastsocketEnvironment
{
    /// <summary>FASTSOCKET_CORES: the server stack's engine cores, a positive integer (<see cref="FastsocketTransportOptions.Cores"/>).</summary>
    public const string Cores = "FASTSOCKET_CORES";

    /// <summary>FASTSOCKET_DESIGN: base, reuseport or fastsocket, case-insensitive (<see cref="FastsocketTransportOptions.Design"/>).</summary>
    public const string Design = "FASTSOCKET_DESIGN";

    /// <summary>FASTSOCKET_DEVICE: memory (the default), or KIND:ARGUMENT resolved through <see cref="FastsocketDevices"/>.</summary>
    public const string Device = "FASTSOCKET_DEVICE";

    /// <summary>FASTSOCKET_ADDRESS: the stack's IPv4 address, optionally /PREFIX with PREFIX 1 to 30.</summary>
    public const string Address = "FASTSOCKET_ADDRESS";

    /// <summary>FASTSOCKET_CLIENT_CORES: the in-memory client stack's engine cores, a positive integer.</summary>
    public const string ClientCores = "FASTSOCKET_CLIENT_CORES";

    /// <summary>FASTSOCKET_HOST_ADDRESS: the kernel side's IPv4 address on a TUN device, inside FASTSOCKET_ADDRESS's prefix.</summary>
    public const string HostAddress = "FASTSOCKET_HOST_ADDRESS";

    /// <summary>FASTSOCKET_HTTPCLIENT=0 leaves IHttpClientFactory clients on the kernel's network.</summary>
    public const string HttpClient = "FASTSOCKET_HTTPCLIENT";

    /// <summary>FASTSOCKET_PROBE=/path[,/path...]: once started, GET each path over the in-memory network and log the answer.</summary>
    public const string Probe = "FASTSOCKET_PROBE";

    /// <summary>
    /// Overwrites <paramref name="options"/>' properties with the variables that are set and not empty, and resolves
    /// FASTSOCKET_DEVICE into <see cref="FastsocketTransportOptions.DeviceFactory"/> (always: unset means memory, so null).
    /// </summary>
    /// <param name="options">The options to change.</param>
    /// <param name="variable">Reads a variable by name (<see cref="Environment.GetEnvironmentVariable(string)"/>, or a fake in tests).</param>
    /// <exception cref="InvalidOperationException">A value is malformed or names an unknown device kind; the message names the variable.</exception>
    public static void Apply(FastsocketTransportOptions options, Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(variable);
        if (variable(Cores) is { Length: > 0 } cores)
        {
            options.Cores = PositiveInt(Cores, cores);
        }
        if (variable(ClientCores) is { Length: > 0 } clientCores)
        {
            options.ClientCores = PositiveInt(ClientCores, clientCores);
        }
        if (variable(Design) is { Length: > 0 } design)
        {
            options.Design = design.Trim().ToLowerInvariant() switch
            {
                "base" => StackDesign.Base,
                "reuseport" => StackDesign.ReusePort,
                "fastsocket" => StackDesign.Fastsocket,
                _ => throw new InvalidOperationException($"{Design}={design}: expected base, reuseport or fastsocket"),
            };
        }
        if (variable(Address) is { Length: > 0 } address)
        {
            string text = address.Trim();
            int slash = text.IndexOf('/', StringComparison.Ordinal);
            string ipText = slash < 0 ? text : text[..slash];
            if (!IPAddress.TryParse(ipText, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new InvalidOperationException($"{Address}={address}: expected an IPv4 address, optionally with a prefix (198.18.0.2/24)");
            }
            if (slash >= 0)
            {
                options.PrefixLength = int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int prefix) && prefix is >= 1 and <= 30
                    ? prefix
                    : throw new InvalidOperationException($"{Address}={address}: the prefix length must be 1 to 30");
            }
            options.Address = ip.ToString();
        }
        if (variable(HostAddress) is { Length: > 0 } host)
        {
            if (!IPAddress.TryParse(host.Trim(), out IPAddress? hostIp) || hostIp.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new InvalidOperationException($"{HostAddress}={host}: expected an IPv4 address");
            }
            IPAddress ours = IPAddress.Parse(options.Address);
            if (hostIp.Equals(ours) || !SamePrefix(ours, hostIp, options.PrefixLength))
            {
                throw new InvalidOperationException(
                    $"{HostAddress}={host}: must differ from {Address} ({options.Address}/{options.PrefixLength}) and lie in its prefix");
            }
            options.HostAddress = hostIp.ToString();
        }
        options.DeviceFactory = FastsocketDevices.Resolve(variable(Device), options);
    }

    /// <summary>Whether FASTSOCKET_HTTPCLIENT leaves HttpClient on Fastsocket.NET (the default).</summary>
    public static bool MoveHttpClients(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        return variable(HttpClient)?.Trim() is not ("0" or "false" or "no");
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

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new InvalidOperationException($"{name}={value}: expected a positive integer");
}
