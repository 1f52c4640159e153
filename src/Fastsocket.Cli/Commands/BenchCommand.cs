using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Fastsocket.Bench;
using Fastsocket.Cli.Bench;
using Fastsocket.Cli.Bench.Real;
using Fastsocket.Cli.Serve;
using Spectre.Console;

namespace Fastsocket.Cli.Commands;

/// <summary>
/// <c>fastsocket bench</c>: the paper's short-lived-connection workload for each design and server core
/// count, plus the kernel baselines (one shared listener; one SO_REUSEPORT listener per core; kernel-epoll, raw epoll
/// loops as nginx runs them) and, on request, nginx itself as the C reference, with a
/// summary table, optional JSON on stdout and result files in <c>--out</c>.
/// </summary>
internal sealed class BenchCommand : Command
{
    private const int MaxCores = 1024;
    private const int MaxClientAddresses = 250;
    private const string SameCores = "same";
    private const double MaxSeconds = 3600;
    private const string JsonFile = BenchResultFiles.JsonFile;
    private const string CsvFile = BenchResultFiles.CsvFile;
    private const string PngFile = BenchResultFiles.PngFile;

    private readonly CliConsole _console;
    private readonly BenchTargets _targets;
    private readonly RealBenchOptions _real = new();

    private readonly Option<string> _designs = new("--designs")
    {
        Description = "Comma-separated designs to run: base, reuseport, fastsocket, or the ablation's " +
                      $"{string.Join(", ", BenchTargets.AblationDesigns)} (each Fastsocket mechanism alone on base); " +
                      "the kernel baselines kernel, kernel-reuseport and kernel-epoll run too unless --no-kernel (\"\" runs only " +
                      "them); nginx-kernel adds nginx on loopback as the C reference, loaded by kernel-epoll's client (where nginx is installed).",
        DefaultValueFactory = _ => string.Join(',', BenchTargets.PaperDesigns),
        HelpName = "list",
    };

    private readonly Option<string> _app = new Option<string>("--app")
    {
        Description = "raw: the workload on the socket API (default); kestrel: the same minimal endpoint on Kestrel over " +
                      "Fastsocket.NET and on Kestrel's socket transport over the kernel, in one run (replaces --designs and the kernel rows).",
        HelpName = "raw|kestrel",
        DefaultValueFactory = _ => "raw",
    }.MustBeOneOf("raw", "kestrel");

    private readonly Option<string> _serverCores = new("--server-cores")
    {
        Description = $"Comma-separated server core counts to measure, each 1 to {MaxCores}.",
        DefaultValueFactory = _ => "1",
        HelpName = "list",
    };

    private readonly Option<string> _clientCores = new("--client-cores")
    {
        Description = $"Client cores, each keeping --concurrency connections in flight (1 to {MaxCores}), or " +
                      $"'{SameCores}' for as many client cores as each run's server cores (the scaling run).",
        DefaultValueFactory = _ => "1",
        HelpName = $"N|{SameCores}",
    };

    private readonly Option<double> _duration = new("--duration")
    {
        Description = "Measured seconds per run, after the warmup.",
        DefaultValueFactory = _ => 5,
        HelpName = "seconds",
    };

    private readonly Option<double> _warmup = new("--warmup")
    {
        Description = $"Unmeasured seconds before each run's measurement; with --real {RealBenchOptions.DefaultWarmupSeconds} unless given, since each real server is a new process whose JIT needs that long under load to optimise its hot code.",
        DefaultValueFactory = _ => 1,
        HelpName = "seconds",
    };

    private readonly Option<int> _concurrency = new Option<int>("--concurrency")
    {
        Description = "Connections in flight per client core (1 to 10000).",
        DefaultValueFactory = _ => BenchRunSpec.DefaultConcurrency,
    }.MustBeInRange(1, 10_000);

    private readonly Option<int> _requestBytes = new Option<int>("--request-bytes")
    {
        Description = $"Size of the HTTP request in bytes ({BenchMessages.MinRequestBytes} to 1048576), padded with a header.",
        DefaultValueFactory = _ => BenchRunSpec.DefaultRequestBytes,
    }.MustBeInRange(BenchMessages.MinRequestBytes, 1 << 20);

    private readonly Option<int> _responseBytes = new Option<int>("--response-bytes")
    {
        Description = "Size of the response body in bytes (0 to 16777216).",
        DefaultValueFactory = _ => BenchRunSpec.DefaultResponseBytes,
    }.MustBeInRange(0, 1 << 24);

    private readonly Option<long> _maxConnections = new Option<long>("--max-connections")
    {
        Description = "Hard cap on connections per run, warmup included.",
        DefaultValueFactory = _ => BenchRunSpec.DefaultMaxConnections,
    }.MustBePositive();

    private readonly Option<int> _idleConnections = new Option<int>("--idle-connections")
    {
        Description = "Established connections the Fastsocket.NET server holds idle while the load runs (0 to 200000).",
        DefaultValueFactory = _ => 0,
    }.MustBeInRange(0, 200_000);

    private readonly Option<int> _clientAddresses = new Option<int>("--client-addresses")
    {
        Description = $"Source addresses the client loops bind to in turn (1 to {MaxClientAddresses}): more 4-tuples per server port, as " +
                      "when a load generator adds IPs. The kernel baselines use 127.0.0.1 upwards.",
        DefaultValueFactory = _ => 1,
    }.MustBeInRange(1, MaxClientAddresses);

    private readonly Option<string> _clientPorts = new Option<string>("--client-ports")
    {
        Description = "Fastsocket.NET designs only. any: client ports as the stack picks them, so RSS spreads each client " +
                      "core's connections over every server core (default); paired: client core i uses only ports the " +
                      "server NIC's RSS steers to server core i, so each core pair shares one ring each way, as a NIC's " +
                      "DMA would spread them at no cost to a core.",
        HelpName = "any|paired",
        DefaultValueFactory = _ => "any",
    }.MustBeOneOf("any", "paired");

    private readonly Option<int> _synFlood = new Option<int>("--syn-flood")
    {
        Description = "Run each Fastsocket.NET design twice, without and with spoofed SYNs injected into the server's receive " +
                      "path at this many a second (0 to 10000000; 0: off), to show the legitimate conn/s under attack beside " +
                      "the conn/s without it. The flooder is one more thread competing for the machine's CPUs. The kernel " +
                      "baselines are not flooded in-memory (bench/scripts/syn-flood.sh floods a real network).",
        HelpName = "pps",
        DefaultValueFactory = _ => 0,
    }.MustBeInRange(0, 10_000_000);

    private readonly Option<bool> _noKernel = new("--no-kernel")
    {
        Description = "Skip the kernel TCP baselines.",
    };

    private readonly Option<string> _out = new("--out")
    {
        Description = $"Directory to write {JsonFile}, {CsvFile} and {PngFile} to (created if missing).",
        HelpName = "dir",
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the results as a single JSON object on stdout (progress goes to stderr).",
    };

    public BenchCommand(CliConsole console, BenchTargets targets)
        : base("bench", "Measure connections per second for short-lived HTTP connections, per design and core count.")
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(targets);
        _console = console;
        _targets = targets;

        _designs.Validators.Add(ValidateDesigns);
        _clientCores.Validators.Add(result =>
        {
            if (TryGetValue<string>(result, out var text) && ParseClientCores(text) is null)
            {
                result.AddError(Invalid(result, $"'{text}'", $"must be a whole number from 1 to {MaxCores} or '{SameCores}'"));
            }
        });
        _serverCores.Validators.Add(result =>
        {
            if (TryGetValue<string>(result, out var text) && ParseCoreList(text, out var error) is null)
            {
                result.AddError(Invalid(result, $"'{text}'", error!));
            }
        });
        _duration.Validators.Add(result => ValidateSeconds(result, allowZero: false));
        _warmup.Validators.Add(result => ValidateSeconds(result, allowZero: true));
        _out.Validators.Add(ValidateOutDirectory);

        Options.Add(_designs);
        Options.Add(_app);
        Options.Add(_serverCores);
        Options.Add(_clientCores);
        Options.Add(_duration);
        Options.Add(_warmup);
        Options.Add(_concurrency);
        Options.Add(_requestBytes);
        Options.Add(_responseBytes);
        Options.Add(_maxConnections);
        Options.Add(_idleConnections);
        Options.Add(_clientAddresses);
        Options.Add(_clientPorts);
        Options.Add(_synFlood);
        Options.Add(_noKernel);
        Options.Add(_out);
        Options.Add(_json);
        _real.AddTo(this);

        Validators.Add(result =>
        {
            // An option the user left out has no result here, and GetValue then gives null, not the default.
            var designs = result.GetResult(_designs) is null
                ? BenchTargets.PaperDesigns.ToList()
                : SplitDesigns(result.GetValue(_designs) ?? string.Empty);
            if (designs.Count == 0 && (result.GetValue(_noKernel) || _targets.KernelDesigns.Count == 0))
            {
                result.AddError("Nothing to run: '--designs' is empty and '--no-kernel' skips the kernel baselines.");
            }

            if (result.GetResult(_clientPorts) is not null && result.GetValue(_clientPorts) == "paired" &&
                ParseClientCores(result.GetValue(_clientCores) ?? "1") is int clients &&
                ParseCoreList(result.GetValue(_serverCores) ?? "1", out _) is { } servers)
            {
                ValidatePairing(result, clients, servers);
            }
        });

        SetAction((parseResult, cancellationToken) => Task.FromResult(Execute(parseResult, cancellationToken)));
    }

    /// <summary>
    /// The warm-up of a <c>--real</c> run: --warmup when the user gave it, else <see cref="RealBenchOptions.DefaultWarmupSeconds"/>.
    /// The option's own default (1 s) also yields a result, marked implicit, so "not given" is that mark, not a null.
    /// </summary>
    internal double RealWarmupSeconds(ParseResult parseResult) =>
        parseResult.GetResult(_warmup) is { Implicit: false } ? parseResult.GetValue(_warmup) : RealBenchOptions.DefaultWarmupSeconds;

    private int Execute(ParseResult parseResult, CancellationToken cancellationToken)
    {
        if (_real.Selected(parseResult))
        {
            return _real.Execute(parseResult, _console, parseResult.GetValue(_duration), RealWarmupSeconds(parseResult),
                ParseCoreList(parseResult.GetValue(_serverCores) ?? "1", out _)!, parseResult.GetValue(_concurrency),
                parseResult.GetValue(_json), parseResult.GetValue(_out), cancellationToken);
        }

        // 0 means "same": the plans set each run's client cores, so the spec's own count is a placeholder.
        var clientCores = ParseClientCores(parseResult.GetValue(_clientCores) ?? "1") ?? 1;
        var spec = new BenchRunSpec(
            serverCores: 1,
            clientCores: Math.Max(clientCores, 1),
            duration: TimeSpan.FromSeconds(parseResult.GetValue(_duration)),
            warmup: TimeSpan.FromSeconds(parseResult.GetValue(_warmup)),
            concurrency: parseResult.GetValue(_concurrency),
            requestBytes: parseResult.GetValue(_requestBytes),
            responseBytes: parseResult.GetValue(_responseBytes),
            maxConnections: parseResult.GetValue(_maxConnections))
        {
            IdleConnections = parseResult.GetValue(_idleConnections),
            ClientAddresses = parseResult.GetValue(_clientAddresses),
            PairedCores = parseResult.GetValue(_clientPorts) == "paired",
        };

        var designs = new List<string>();
        if (parseResult.GetValue(_app) == "kestrel")
        {
            designs.Add(KestrelBenchTarget.KernelDesign);
            designs.Add(KestrelBenchTarget.FastsocketDesign);
        }
        else
        {
            if (!parseResult.GetValue(_noKernel))
            {
                designs.AddRange(_targets.KernelDesigns);
            }

            designs.AddRange(SplitDesigns(parseResult.GetValue(_designs) ?? string.Empty));
        }
        var serverCores = ParseCoreList(parseResult.GetValue(_serverCores) ?? "1", out _)!;
        var plans = BenchPlan.WithSynFlood(
            BenchPlan.Build(designs, serverCores, spec, clientCoresMatchServer: clientCores == 0), parseResult.GetValue(_synFlood));

        // Checked before anything runs: finding out after a long bench that the results cannot be saved loses them.
        var outDirectory = parseResult.GetValue(_out);
        if (outDirectory is not null && BenchResultFiles.CheckWritable(outDirectory) is { } outProblem)
        {
            _console.Error.WriteLine($"fastsocket: bench: cannot write results to '--out {outDirectory}': {outProblem}.");
            return ExitCodes.Usage;
        }

        // Ctrl-C (or SIGTERM) ends the current run early and starts no more; what was measured is still shown and
        // written, and the live display ends normally, which shows the terminal's cursor again.
        using var signal = new StopSignal();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signal.Token);

        var json = parseResult.GetValue(_json);
        var interactive = !json && ReferenceEquals(_console.Out, Console.Out) && !Console.IsOutputRedirected;
        var stdout = CreateAnsiConsole(_console.Out, interactive);
        var runner = new BenchRunner(_targets);
        var results = interactive
            ? BenchLiveDisplay.Run(runner, plans, stdout, stop.Token)
            : runner.RunQuiet(plans, _console.Error, stop.Token);
        var cancelled = stop.IsCancellationRequested;

        var report = new BenchReport(results, BenchMachine.Current());
        if (json)
        {
            _console.Out.WriteLine(BenchJsonWriter.ToJson(report));
        }
        else
        {
            BenchTableWriter.Write(report, stdout);
        }

        var exitCode = !cancelled && results.Count == plans.Count && results.All(r => r.Connections > 0)
            ? ExitCodes.Success
            : ExitCodes.Failed;
        if (exitCode != ExitCodes.Success)
        {
            _console.Error.WriteLine(runner.Failure is { } failure
                ? $"fastsocket: bench: {failure}; results are partial."
                : cancelled
                    ? $"fastsocket: bench cancelled; results are partial ({results.Count} of {plans.Count} runs)."
                    : "fastsocket: bench: a run completed no connections.");
        }

        if (outDirectory is not null)
        {
            var log = json ? _console.Error : _console.Out;
            if (BenchResultFiles.Write(report, outDirectory) is { } writeProblem)
            {
                _console.Error.WriteLine($"fastsocket: bench: could not write results to '{outDirectory}': {writeProblem}.");
                return ExitCodes.Failed;
            }

            log.WriteLine($"wrote {JsonFile}, {CsvFile} and {PngFile} to {outDirectory}");
        }

        return exitCode;
    }

    private static IAnsiConsole CreateAnsiConsole(TextWriter writer, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive)
        {
            // Redirected output has no width to detect; wide enough that the table never wraps.
            console.Profile.Width = 160;
        }

        return console;
    }

    /// <summary>
    /// Paired, client core i reaches server core i only: with fewer client cores some server cores would get
    /// nothing. And each client core keeps only one server core's share of its ports: fewer than four per connection
    /// in flight would bring a port back to the server while its last use may still be in the same millisecond of
    /// TIME-WAIT (RFC 6191 then refuses the SYN and the client waits a second).
    /// </summary>
    private void ValidatePairing(CommandResult result, int clientCores, IReadOnlyList<int> serverCores)
    {
        int concurrency = result.GetResult(_concurrency) is null ? BenchRunSpec.DefaultConcurrency : result.GetValue(_concurrency);
        int addresses = result.GetResult(_clientAddresses) is null ? 1 : result.GetValue(_clientAddresses);
        foreach (int servers in serverCores)
        {
            int clients = clientCores == 0 ? servers : clientCores;
            if (servers > clients)
            {
                result.AddError($"'--client-ports paired' needs at least as many client cores as server cores " +
                                $"({clients} client, {servers} server); use '--client-cores same'.");
                return;
            }
            int perAddress = PairedPortFilter.PortsPerClientCore(clients, servers, 1);
            if (perAddress * addresses < 4 * concurrency)
            {
                int needed = perAddress == 0 ? int.MaxValue : ((4 * concurrency) + perAddress - 1) / perAddress;
                result.AddError($"'--client-ports paired' leaves each client core about {perAddress * addresses} source ports at " +
                                $"{servers} server cores, fewer than four per connection in flight ('--concurrency' {concurrency}); " +
                                (needed <= MaxClientAddresses
                                    ? $"use '--client-addresses {needed}' or more."
                                    : "lower '--concurrency' or use '--client-ports any'."));
                return;
            }
        }
    }

    private void ValidateDesigns(OptionResult result)
    {
        if (!TryGetValue<string>(result, out var text))
        {
            return;
        }

        foreach (var design in SplitDesigns(text))
        {
            if (_targets.IsRegistered(design))
            {
                continue;
            }

            if (design == NginxBenchTarget.DesignName)
            {
                result.AddError(Invalid(result, $"'{design}'",
                    $"design '{design}' is not available: {NginxBenchTarget.UnavailableReason ?? "it is not registered"}"));
            }
            else if (BenchTargets.PaperDesigns.Contains(design))
            {
                result.AddError(Invalid(result, $"'{design}'",
                    $"design '{design}' is not available: no bench target is registered for it " +
                    $"(available: {string.Join(", ", _targets.Names)}); use --designs \"\" to run only the kernel baselines"));
            }
            else
            {
                var known = BenchTargets.PaperDesigns.Concat(_targets.Names).Distinct(StringComparer.Ordinal);
                result.AddError(Invalid(result, $"'{design}'",
                    $"unknown design '{design}' (known: {string.Join(", ", known)})"));
            }
        }
    }

    private static void ValidateSeconds(OptionResult result, bool allowZero)
    {
        if (!TryGetValue<double>(result, out var seconds))
        {
            return;
        }

        // Written so NaN fails too.
        var ok = allowZero ? seconds >= 0 && seconds <= MaxSeconds : seconds > 0 && seconds <= MaxSeconds;
        if (!ok)
        {
            result.AddError(Invalid(result, seconds.ToString("R", CultureInfo.InvariantCulture),
                allowZero ? $"must be between 0 and {MaxSeconds} seconds" : $"must be above 0 and at most {MaxSeconds} seconds"));
        }
    }

    private static void ValidateOutDirectory(OptionResult result)
    {
        if (!TryGetValue<string>(result, out var path))
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            result.AddError(Invalid(result, "''", "must be a directory path"));
            return;
        }

        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            result.AddError(Invalid(result, $"'{path}'", "is a file, not a directory"));
            return;
        }

        var parent = Path.GetDirectoryName(full.TrimEnd(Path.DirectorySeparatorChar));
        if (!Directory.Exists(full) && parent is not null && !Directory.Exists(parent))
        {
            result.AddError(Invalid(result, $"'{path}'", $"parent directory '{parent}' does not exist"));
        }
    }

    internal static List<string> SplitDesigns(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>The core counts in <paramref name="text"/>, duplicates dropped; null (with the reason) when malformed.</summary>
    internal static List<int>? ParseCoreList(string text, out string? error)
    {
        var cores = new List<int>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1 || count > MaxCores)
            {
                error = $"each core count must be a whole number from 1 to {MaxCores}, got '{item}'";
                return null;
            }

            if (!cores.Contains(count))
            {
                cores.Add(count);
            }
        }

        error = null;
        return cores;
    }

    /// <summary>The client core count; 0 for <c>same</c> (one client core per server core); null when malformed.</summary>
    private static int? ParseClientCores(string text)
    {
        if (string.Equals(text.Trim(), SameCores, StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1 && count <= MaxCores
            ? count
            : null;
    }

    private static bool TryGetValue<T>(OptionResult result, out T value) => OptionValidation.TryGetValue(result, out value);

    private static string Invalid(OptionResult result, string value, string requirement) =>
        OptionValidation.Invalid(result, value, requirement);
}
