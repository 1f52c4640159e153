using System.CommandLine;
using System.ComponentModel;
using Fastsocket.Cli;
using Fastsocket.Cli.Commands;
using Fastsocket.Tests.Cli.Bench;

namespace Fastsocket.Tests.Cli;

/// <summary>
/// Mistakes a new user makes, and what the CLI says about them: in words, naming the option or what is missing,
/// never a .NET type or exception name.
/// </summary>
public sealed class CliUserErrorTests
{
    /// <summary>Every whole-number and decimal option of every command, found by walking the command tree.</summary>
    public static TheoryData<string, string> NumericOptions()
    {
        var data = new TheoryData<string, string>();
        using var writer = new StringWriter();
        Command root = Program.BuildRootCommand(new CliConsole(writer, writer), BenchCliTestSupport.FakeRegistry());
        foreach (Command command in root.Subcommands)
        {
            foreach (Option option in command.Options)
            {
                if (option is Option<int> or Option<long> or Option<double>)
                {
                    data.Add(command.Name, option.Name);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(NumericOptions))]
    public void A_number_with_a_unit_is_refused_in_words_without_a_type_name(string command, string option)
    {
        var (exitCode, _, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(), command, option, "10kb");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains($"Invalid value '10kb' for option '{option}': must be", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("expected type", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_command_has_numeric_options_to_check()
    {
        var commands = NumericOptions().Select(row => (string)row[0]).Distinct().Order().ToArray();

        Assert.Equal(["bench", "load", "serve", "transfer"], commands);
    }

    [Fact]
    public void A_bad_number_gets_one_error_not_a_range_error_as_well()
    {
        var (_, _, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(), "bench", "--concurrency", "ten");

        Assert.Single(stderr.Split('\n'), line => line.Contains("--concurrency", StringComparison.Ordinal));
    }

    [Fact]
    public void An_out_directory_that_cannot_be_written_is_refused_before_any_run()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"fastsocket-out-{Guid.NewGuid():N}");
        // A directory where the JSON file must go: no permission trick, so it fails for root too.
        Directory.CreateDirectory(Path.Combine(directory, "results.json"));
        try
        {
            var target = new FakeBenchTarget("fastsocket", 1_000);
            var targets = new Fastsocket.Bench.BenchTargets();
            targets.Register("fastsocket", () => target);

            var (exitCode, stdout, stderr) = BenchCliTestSupport.Invoke(targets,
                "bench", "--designs", "fastsocket", "--no-kernel", "--out", directory);

            Assert.Equal(ExitCodes.Usage, exitCode);
            Assert.Empty(target.Runs);
            Assert.Equal(string.Empty, stdout);
            Assert.Contains($"cannot write results to '--out {directory}'", stderr, StringComparison.Ordinal);
            Assert.Contains("is a directory", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_cancelled_bench_shows_and_writes_what_it_measured_and_exits_1()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"fastsocket-out-{Guid.NewGuid():N}");
        using var cancel = new CancellationTokenSource();
        var targets = BenchCliTestSupport.FakeRegistry();
        // The Ctrl-C arrives while fastsocket runs; base, planned after it, never starts.
        targets.Register("fastsocket", () => new CancelDuringRun(new FakeBenchTarget("fastsocket", 20_000), cancel));
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            int exitCode = Program.Run(["bench", "--designs", "fastsocket,base", "--no-kernel", "--out", directory],
                stdout, stderr, targets, cancel.Token);

            Assert.Equal(ExitCodes.Failed, exitCode);
            Assert.Contains("bench cancelled; results are partial (1 of 2 runs)", stderr.ToString(), StringComparison.Ordinal);
            Assert.Contains("fastsocket", stdout.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("│ base", stdout.ToString(), StringComparison.Ordinal);
            string json = File.ReadAllText(Path.Combine(directory, "results.json"));
            Assert.Contains("\"design\": \"fastsocket\"", json, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(directory, "results.csv")));
            Assert.True(File.Exists(Path.Combine(directory, "cps_vs_cores.png")));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("TUNSETIFF fs0 failed: Operation not permitted (errno 1) (needs CAP_NET_ADMIN)")]
    [InlineData("open /dev/net/tun failed: Permission denied (errno 13)")]
    [InlineData("ip addr add 198.18.0.1/24 dev fs0 exited with 2: RTNETLINK answers: Operation not permitted")]
    public void A_tun_set_up_refused_for_lack_of_privilege_says_root_or_cap_net_admin(string message)
    {
        string? explained = TunFailure.Explain(new IOException(message), "serve", "fs0");

        Assert.NotNull(explained);
        Assert.Contains("needs root or the CAP_NET_ADMIN capability", explained, StringComparison.Ordinal);
        Assert.Contains("sudo", explained, StringComparison.Ordinal);
        Assert.DoesNotContain("IOException", explained, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_tun_device_node_says_how_to_get_one()
    {
        string? explained = TunFailure.Explain(new IOException("open /dev/net/tun failed: No such file or directory (errno 2)"), "load", "fs0");

        Assert.NotNull(explained);
        Assert.Contains("modprobe tun", explained, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_ip_command_says_to_install_iproute2()
    {
        var error = new Win32Exception(2, "An error occurred trying to start process 'ip' with working directory '/'. No such file or directory");

        Assert.Contains("iproute2", TunFailure.Explain(error, "serve", "fs0"), StringComparison.Ordinal);
    }

    [Fact]
    public void Other_failures_are_not_dressed_up_as_privilege_problems()
    {
        Assert.Null(TunFailure.Explain(new IOException("TUNSETIFF fs0 failed: Device or resource busy (errno 16)"), "serve", "fs0"));
        Assert.Null(TunFailure.Explain(new InvalidOperationException("boom"), "serve", "fs0"));
    }

    /// <summary>Stands for Ctrl-C during a run: cancels, and the inner fake reports the run as cut short there.</summary>
    private sealed class CancelDuringRun(FakeBenchTarget inner, CancellationTokenSource cancel) : Fastsocket.Bench.IBenchTarget
    {
        public string Design => inner.Design;

        public Fastsocket.Bench.BenchResult Run(Fastsocket.Bench.BenchRunSpec spec, Fastsocket.Bench.BenchProgress progress,
            CancellationToken cancellationToken)
        {
            cancel.Cancel();
            return inner.Run(spec, progress, cancellationToken);
        }
    }
}
