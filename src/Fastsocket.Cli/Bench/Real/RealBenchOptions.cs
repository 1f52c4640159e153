using System.CommandLine;
using System.Globalization;
using Fastsocket.Cli.Commands;
using Fastsocket.Cli.Serve;
using Spectre.Console;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// The options <c>bench</c> gains for the real-interface comparison: <c>--real</c> (run it), <c>--runs</c> (runs per
/// server, the median reported) and the hidden <c>--real-kestrel URL</c>, which runs this CLI as the Kestrel server of
/// the kestrel-* rows (the bench starts itself as that child). The bench's own <c>--duration</c>, <c>--warmup</c>,
/// <c>--server-cores</c>, <c>--concurrency</c>, <c>--json</c> and <c>--out</c> (which gets <c>real.json</c>) apply to it too.
/// </summary>
internal sealed class RealBenchOptions
{
    /// <summary>The hidden option that makes the process a Kestrel server for one row.</summary>
    public const string KestrelChildOption = "--real-kestrel";

    /// <summary>
    /// The warm-up of each real run when --warmup is not given: each server is a new process, and its JIT needs a few
    /// seconds of load to replace unoptimised code (Kestrel on kernel sockets measured 16,068 conn/s after 1 s and
    /// 19,943 after 5 s on CPU 0 here), so a shorter warm-up would measure the JIT, not the server.
    /// </summary>
    public const int DefaultWarmupSeconds = 5;

    /// <summary>The file <c>--out</c> gets: the JSON report.</summary>
    public const string JsonFile = "real.json";

    private readonly Option<bool> _real = new("--real")
    {
        Description = "Compare real servers over a real interface, as root, in a network namespace of its own: serve --http over TUN, " +
                      "nginx on kernel TCP, Kestrel on kernel sockets and Kestrel on Fastsocket.NET over TUN, each pinned to the " +
                      "server CPUs and loaded by wrk (else ab) with Connection: close on the other CPUs.",
    };

    private readonly Option<int> _runs = new Option<int>("--runs")
    {
        Description = "With --real: runs of each server, interleaved; each row reports the median and the range (1 to 100).",
        DefaultValueFactory = _ => 3,
    }.MustBeInRange(1, 100);

    private readonly Option<string> _kestrelChild = new(KestrelChildOption)
    {
        Description = "Internal: serve the bench's response on Kestrel at this URL (a bench --real server).",
        Hidden = true,
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_real);
        command.Options.Add(_runs);
        command.Options.Add(_kestrelChild);
    }

    /// <summary>Whether this invocation is <c>--real</c> or a Kestrel child, which <see cref="Execute"/> then runs instead of the in-memory bench.</summary>
    public bool Selected(ParseResult parseResult) =>
        parseResult.GetValue(_real) || parseResult.GetResult(_kestrelChild) is not null;

    /// <summary>Runs the real-interface bench (or the Kestrel child) and returns the exit code.</summary>
    public int Execute(ParseResult parseResult, CliConsole console, double durationSeconds, double warmupSeconds,
        IReadOnlyList<int> serverCores, int concurrency, bool json, string? outDirectory, CancellationToken cancellationToken)
    {
        if (parseResult.GetValue(_kestrelChild) is { } url)
        {
            return RealKestrelServer.Run(url, console.Out, console.Error);
        }
        if (serverCores.Count != 1)
        {
            console.Error.WriteLine("fastsocket: bench --real measures one server core count per run: give '--server-cores' a single number.");
            return ExitCodes.Usage;
        }
        if (RealBenchRunner.Precondition(out string? ip, out string? taskset) is { } refusal)
        {
            console.Error.WriteLine($"fastsocket: {refusal}.");
            return ExitCodes.Failed;
        }

        var settings = new RealBenchSettings(
            DurationSeconds: (int)Math.Ceiling(durationSeconds),
            WarmupSeconds: (int)Math.Ceiling(warmupSeconds),
            Runs: parseResult.GetValue(_runs),
            ServerCores: serverCores[0],
            Connections: concurrency,
            Designs: RealDesigns.All);

        using var signal = new StopSignal();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signal.Token);
        RealBenchReport? report = new RealBenchRunner(settings, console.Error).Run(ip!, taskset!, stop.Token, out string? problem);
        if (report is null)
        {
            console.Error.WriteLine($"fastsocket: bench --real: {problem}.");
            return ExitCodes.Failed;
        }

        if (json)
        {
            console.Out.WriteLine(RealReportWriter.ToJson(report));
        }
        else
        {
            RealReportWriter.WriteTable(report, CreateAnsiConsole(console.Out));
        }

        if (outDirectory is not null)
        {
            string file = Path.Combine(outDirectory, JsonFile);
            try
            {
                Directory.CreateDirectory(outDirectory);
                File.WriteAllText(file, RealReportWriter.ToJson(report));
                (json ? console.Error : console.Out).WriteLine($"wrote {JsonFile} to {outDirectory}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                console.Error.WriteLine($"fastsocket: bench --real: could not write '{file}': {ex.Message}.");
                return ExitCodes.Failed;
            }
        }

        List<RealRow> failed = report.Rows.Where(r => !r.Succeeded && r.Error?.StartsWith("skipped", StringComparison.Ordinal) != true).ToList();
        if (stop.IsCancellationRequested)
        {
            console.Error.WriteLine("fastsocket: bench --real cancelled; results are partial.");
            return ExitCodes.Failed;
        }
        if (failed.Count > 0)
        {
            console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fastsocket: bench --real: {string.Join(", ", failed.Select(r => r.Design))} failed: {failed[0].Error}"));
            return ExitCodes.Failed;
        }
        return ExitCodes.Success;
    }

    private static IAnsiConsole CreateAnsiConsole(TextWriter writer)
    {
        bool interactive = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!interactive)
        {
            // Redirected output has no width to detect; wide enough that the table never wraps.
            console.Profile.Width = 200;
        }
        return console;
    }
}
