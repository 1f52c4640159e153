using Fastsocket.Tests.Interop;

namespace Fastsocket.Tests.Packetdrill;

/// <summary>Where the packetdrill runner and its inputs are, and whether this machine can run it.</summary>
internal static class PacketdrillEnvironment
{
    /// <summary>The repository root (the folder holding Fastsocket.sln), found from the test assembly upwards.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>tests/packetdrill/run.sh.</summary>
    public static string Runner => Path.Combine(RepositoryRoot, "tests", "packetdrill", "run.sh");

    /// <summary>The committed per-script results the runner wrote (tests/packetdrill/results.tsv).</summary>
    public static string Results => Path.Combine(RepositoryRoot, "tests", "packetdrill", "results.tsv");

    /// <summary>Why the packetdrill tests cannot run here, or null when they can.</summary>
    public static string? MissingRequirement()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "packetdrill tests need Linux";
        }
        if (Environment.UserName != "root")
        {
            return "packetdrill tests need root (each script runs in its own network namespace)";
        }
        if (FindSource() is null)
        {
            return "packetdrill's source was not found (set PACKETDRILL_SRC, or put it at ../shared/third_party/packetdrill beside the repository)";
        }
        foreach (string tool in new[] { "bison", "flex", "gcc", "make", "clang", "unshare", "python3" })
        {
            if (InteropEnvironment.FindTool(tool) is null)
            {
                return $"packetdrill tests need '{tool}' on PATH (.ci/run installs it)";
            }
        }
        return null;
    }

    /// <summary>The scripts the committed results say pass: one test each, so none regresses.</summary>
    public static IEnumerable<string> PassingScripts()
    {
        if (!File.Exists(Results))
        {
            yield break;
        }
        foreach (string line in File.ReadLines(Results))
        {
            string[] fields = line.Split('\t');
            if (fields.Length >= 3 && fields[0] == "PASS")
            {
                yield return fields[2];
            }
        }
    }

    private static string? FindSource()
    {
        string? configured = Environment.GetEnvironmentVariable("PACKETDRILL_SRC");
        string[] candidates =
        [
            configured ?? "",
            Path.Combine(RepositoryRoot, "..", "shared", "third_party", "packetdrill"),
            Path.Combine(RepositoryRoot, "..", "..", "shared", "third_party", "packetdrill"),
            "/work/shared/third_party/packetdrill",
        ];
        return candidates.FirstOrDefault(c => c.Length > 0 && File.Exists(Path.Combine(c, "gtests", "net", "packetdrill", "packetdrill.h")));
    }

    private static string FindRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Fastsocket.sln")))
            {
                return dir;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
