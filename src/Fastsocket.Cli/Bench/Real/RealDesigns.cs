namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// The servers <c>bench --real</c> compares, by the names its table and JSON use. They are distinct from the in-memory
/// bench's design names: these are whole servers loaded over a real interface by a real client.
/// </summary>
internal static class RealDesigns
{
    /// <summary><c>fastsocket serve --http</c> on Fastsocket.NET over a TUN device.</summary>
    public const string ServeTun = "serve-tun";

    /// <summary>nginx on kernel TCP over the namespace's loopback.</summary>
    public const string NginxKernel = "nginx-kernel";

    /// <summary>Kestrel on its socket transport (kernel TCP) over the namespace's loopback.</summary>
    public const string KestrelSockets = "kestrel-sockets";

    /// <summary>Kestrel on Fastsocket.NET's transport over a TUN device.</summary>
    public const string KestrelTun = "kestrel-tun";

    /// <summary>The device name reported for servers on a TUN device.</summary>
    public const string TunDevice = "tun";

    /// <summary>The device name reported for servers on the kernel's loopback.</summary>
    public const string LoopbackDevice = "loopback";

    /// <summary>All four, in the order they are run and printed.</summary>
    public static readonly IReadOnlyList<string> All = [ServeTun, NginxKernel, KestrelSockets, KestrelTun];

    /// <summary>The body every server answers with, so that each moves the same bytes (serve's static page).</summary>
    public const string Body = "Hello from Fastsocket.NET\n";
}
