namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// The network namespace <c>bench --real</c> runs every server and client in: made with its loopback up, and removed
/// again (with any TUN device a crashed server left in it) when disposed. Nothing the bench does touches the host's
/// own interfaces.
/// </summary>
internal sealed class RealNetworkNamespace : IDisposable
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(20);

    private RealNetworkNamespace(string name, string ip)
    {
        Name = name;
        Ip = ip;
    }

    /// <summary>The namespace's name (fsreal-PID).</summary>
    public string Name { get; }

    /// <summary>The path of the ip program.</summary>
    public string Ip { get; }

    /// <summary>Makes the namespace; null with the reason when that fails.</summary>
    public static RealNetworkNamespace? TryCreate(string ip, out string? problem)
    {
        string name = $"fsreal-{Environment.ProcessId}";
        (int code, string output) = RealCommandRunner.Run(ip, ["netns", "add", name], CommandLimit);
        if (code != 0)
        {
            problem = $"'ip netns add {name}' failed: {output.Trim()}";
            return null;
        }
        var created = new RealNetworkNamespace(name, ip);
        (code, output) = RealCommandRunner.Run(ip, ["netns", "exec", name, "ip", "link", "set", "lo", "up"], CommandLimit);
        if (code != 0)
        {
            created.Dispose();
            problem = $"could not bring up loopback in {name}: {output.Trim()}";
            return null;
        }
        problem = null;
        return created;
    }

    /// <summary>The arguments of ip that run <paramref name="fileName"/> inside the namespace on <paramref name="cpus"/> (a taskset list).</summary>
    public IReadOnlyList<string> Exec(string taskset, string cpus, string fileName, IEnumerable<string> arguments) =>
        ["netns", "exec", Name, taskset, "-c", cpus, fileName, .. arguments];

    /// <summary>Removes the namespace.</summary>
    public void Dispose() => RealCommandRunner.Run(Ip, ["netns", "del", Name], CommandLimit);
}
