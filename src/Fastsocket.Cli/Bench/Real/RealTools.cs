namespace Fastsocket.Cli.Bench.Real;

/// <summary>Finds programs on the PATH, the way a shell would, without running them.</summary>
internal static class RealTools
{
    /// <summary>The full path of <paramref name="name"/> on the PATH (plus /usr/sbin and /sbin, where nginx and ip live); null when absent.</summary>
    public static string? Find(string name)
    {
        string path = System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        IEnumerable<string> folders = path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/local/sbin", "/usr/sbin", "/sbin"]);
        foreach (string folder in folders)
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
