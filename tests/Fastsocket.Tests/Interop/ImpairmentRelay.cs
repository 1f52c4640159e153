using System.Globalization;
using System.Text.RegularExpressions;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// bench/tools/nfq-impair, the seeded loss, reordering and duplication the lossy benchmark uses, inside a test's
/// namespace: compiled once per test run with gcc, given every TCP packet the namespace's kernel sends or receives on
/// one interface through NFQUEUE (outgoing on queue 0, incoming on queue 1), and stopped with SIGTERM, after which
/// it reports what it did.
/// </summary>
internal sealed partial class ImpairmentRelay
{
    /// <summary>The header the relay needs (Debian's libnetfilter-queue-dev; .ci/run installs it).</summary>
    public const string Header = "/usr/include/libnetfilter_queue/libnetfilter_queue.h";

    private const string CopyMark = "0x1d";
    private static readonly Lazy<string> s_binary = new(Compile);

    private readonly BackgroundProcess _process;

    private ImpairmentRelay(BackgroundProcess process) => _process = process;

    /// <summary>Why the relay cannot run here, or null when it can.</summary>
    public static string? MissingRequirement() =>
        InteropEnvironment.MissingRequirement(["gcc", "iptables"]) ??
        (File.Exists(Header) ? null : $"needs {Header} (libnetfilter-queue-dev; .ci/run installs it)");

    /// <summary>Starts the relay in <paramref name="ns"/> and queues <paramref name="interfaceName"/>'s TCP to it; waits until it is bound.</summary>
    public static async Task<ImpairmentRelay> StartAsync(NetworkNamespace ns, string interfaceName, double loss, double reorder, double duplicate, ulong seed)
    {
        string ready = Path.Combine(Path.GetTempPath(), $"nfq-impair-{ns.Name}.ready");
        File.Delete(ready);
        BackgroundProcess process = ns.Start(s_binary.Value, "--queue", "0", "--queue", "1",
            "--loss", Inv(loss), "--reorder", Inv(reorder), "--duplicate", Inv(duplicate), "--seed", seed.ToString(CultureInfo.InvariantCulture),
            "--mark", CopyMark, "--max-seconds", "300", "--ready-file", ready);
        for (int i = 0; i < 100 && !File.Exists(ready); i++)
        {
            Assert.False(process.HasExited, $"nfq-impair exited: {process.Output}{process.Error}");
            await Task.Delay(50);
        }
        Assert.True(File.Exists(ready), $"nfq-impair did not get ready: {process.Output}{process.Error}");
        File.Delete(ready);
        ns.Exec("iptables", "-A", "OUTPUT", "-o", interfaceName, "-p", "tcp", "-m", "mark", "!", "--mark", CopyMark,
            "-j", "NFQUEUE", "--queue-num", "0").EnsureSuccess();
        ns.Exec("iptables", "-A", "INPUT", "-i", interfaceName, "-p", "tcp", "-j", "NFQUEUE", "--queue-num", "1").EnsureSuccess();
        return new ImpairmentRelay(process);
    }

    /// <summary>Stops the relay; returns the packets it saw and dropped over both directions, with its report.</summary>
    public async Task<(long Seen, long Dropped, string Report)> StopAsync()
    {
        CommandResult result = await _process.StopAsync(TimeSpan.FromSeconds(10));
        Assert.True(result.ExitCode == 0, $"nfq-impair: {result}");
        long seen = 0, dropped = 0;
        foreach (Match match in QueueLine().Matches(result.Output))
        {
            seen += long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            dropped += long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        }
        return (seen, dropped, result.Output);
    }

    private static string Compile()
    {
        string source = Path.Combine(RepositoryRoot(), "bench", "tools", "nfq-impair", "nfq-impair.c");
        string binary = Path.Combine(Directory.CreateTempSubdirectory("nfq-impair-").FullName, "nfq-impair");
        CommandResult gcc = NetworkNamespace.Run("gcc", ["-O2", "-Wall", "-o", binary, source, "-lnetfilter_queue"]);
        Assert.True(gcc.ExitCode == 0, $"gcc {source}: {gcc}");
        return binary;
    }

    /// <summary>The folder holding Fastsocket.sln, walking up from the test assembly.</summary>
    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Fastsocket.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Fastsocket.sln above {AppContext.BaseDirectory}");
    }

    private static string Inv(double value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^nfq-impair queue \d+: seen (\d+) passed \d+ dropped (\d+)", RegexOptions.Multiline)]
    private static partial Regex QueueLine();
}
