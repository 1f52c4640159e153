using System.Globalization;
using Fastsocket.Stack;

namespace Fastsocket.AspNetCore;

/// <summary>
/// Transport options from environment variables, for apps that are not changed to call UseFastsocket:
/// FASTSOCKET_CORES (engine cores), FASTSOCKET_DESIGN (base, reuseport, fastsocket), FASTSOCKET_DEVICE
/// (memory, or KIND:ARGUMENT such as tun:NAME), FASTSOCKET_ADDRESS (the stack's IPv4 address) and
/// FASTSOCKET_CLIENT_CORES (the in-memory client stack's cores). A malformed value fails start-up with its name.
/// </summary>
public static class FastsocketEnvironment
{
    public const string Cores = "FASTSOCKET_CORES";
    public const string Design = "FASTSOCKET_DESIGN";
    public const string Device = "FASTSOCKET_DEVICE";
    public const string Address = "FASTSOCKET_ADDRESS";
    public const string ClientCores = "FASTSOCKET_CLIENT_CORES";

    /// <summary>FASTSOCKET_HTTPCLIENT=0 leaves IHttpClientFactory clients on the kernel's network.</summary>
    public const string HttpClient = "FASTSOCKET_HTTPCLIENT";

    /// <summary>FASTSOCKET_PROBE=/path[,/path...]: once started, GET each path over the in-memory network and log the answer.</summary>
    public const string Probe = "FASTSOCKET_PROBE";

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
            if (!System.Net.IPAddress.TryParse(address, out System.Net.IPAddress? ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                throw new InvalidOperationException($"{Address}={address}: expected an IPv4 address");
            }
            options.Address = address;
        }
        options.DeviceFactory = FastsocketDevices.Resolve(variable(Device));
    }

    /// <summary>Whether FASTSOCKET_HTTPCLIENT leaves HttpClient on Fastsocket.NET (the default).</summary>
    public static bool MoveHttpClients(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        return variable(HttpClient)?.Trim() is not ("0" or "false" or "no");
    }

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new InvalidOperationException($"{name}={value}: expected a positive integer");
}
