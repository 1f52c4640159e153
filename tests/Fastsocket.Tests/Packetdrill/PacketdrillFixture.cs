using System.Diagnostics;

namespace Fastsocket.Tests.Packetdrill;

/// <summary>
/// Builds packetdrill (from a patched copy, in the runner's scratch folder) and publishes libfastsocket.so once for
/// all the script tests: `run.sh --prepare`, which prints the paths it made.
/// </summary>
public sealed class PacketdrillFixture
{
    // Static: one publish per test run, shared with the LD_PRELOAD tests (Interop/NginxPreloadTests).
    private static readonly Lazy<string> s_library = new(Prepare, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The published libfastsocket.so; preparing it on first use, once per test run.</summary>
    public string Library => s_library.Value;

    /// <summary>The same library, for tests outside the packetdrill collection.</summary>
    public static string SharedLibrary => s_library.Value;

    private static string Prepare()
    {
        var start = new ProcessStartInfo("bash", [PacketdrillEnvironment.Runner, "--prepare"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = PacketdrillEnvironment.RepositoryRoot,
        };
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("run.sh --prepare took more than 8 minutes");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"run.sh --prepare failed ({process.ExitCode}):\n{stdout}\n{stderr.Result}");
        }
        string? lib = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("lib=", StringComparison.Ordinal))?[4..];
        if (lib is null || !File.Exists(lib))
        {
            throw new InvalidOperationException($"run.sh --prepare did not name a library:\n{stdout}");
        }
        return lib;
    }
}
