using Fastsocket.Cli;
using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>Runs the CLI in-process against a registry of fake targets.</summary>
internal static class BenchCliTestSupport
{
    /// <summary>
    /// A registry with fakes for kernel, kernel-reuseport, base and fastsocket (kernel at 10,000 conn/s
    /// per core, base at 5,000, fastsocket at 20,000) and nothing for reuseport.
    /// </summary>
    public static BenchTargets FakeRegistry()
    {
        var targets = new BenchTargets();
        targets.Register("kernel", () => new FakeBenchTarget("kernel", 10_000, packetsPerConnection: null, drops: null));
        targets.Register("kernel-reuseport", () => new FakeBenchTarget("kernel-reuseport", 12_000, packetsPerConnection: null, drops: null));
        targets.Register("base", () => new FakeBenchTarget("base", 5_000));
        targets.Register("fastsocket", () => new FakeBenchTarget("fastsocket", 20_000));
        return targets;
    }

    public static (int ExitCode, string Stdout, string Stderr) Invoke(BenchTargets targets, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = Program.Run(args, stdout, stderr, targets);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
