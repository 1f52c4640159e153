namespace Fastsocket.Tests.Interop;

/// <summary>What an interop test needs from the machine, checked once per tool.</summary>
internal static class InteropEnvironment
{
    /// <summary>Why the tests cannot run here, or null when they can.</summary>
    public static string? MissingRequirement(IEnumerable<string> tools)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "interop tests need Linux (TUN devices and network namespaces)";
        }
        if (Environment.UserName != "root")
        {
            return "interop tests need root (network namespaces and TUN devices need CAP_NET_ADMIN)";
        }
        if (!File.Exists("/dev/net/tun"))
        {
            return "interop tests need /dev/net/tun";
        }
        foreach (string tool in tools.Append("ip"))
        {
            if (FindTool(tool) is null)
            {
                return $"interop test needs '{tool}' on PATH (.ci/run installs it)";
            }
        }
        return null;
    }

    public static string? FindTool(string name)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        foreach (string directory in path.Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>The CLI built with the tests: the test project references it, so its dll sits next to ours.</summary>
    public static string CliDll => typeof(Fastsocket.Cli.Program).Assembly.Location;
}
