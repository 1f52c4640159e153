using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Fastsocket.Bench;
using Fastsocket.Cli.Serve;
using Fastsocket.Diagnostics;

namespace Fastsocket.Cli.Commands;

/// <summary>
/// <c>fastsocket load URL</c>: the stack as an HTTP client over a TUN device, loading a server on the kernel's side
/// (nginx, say) with short-lived connections, and reporting requests/s, latency percentiles and errors.
/// </summary>
internal sealed class LoadCommand : Command
{
    private readonly CliConsole _console;
    private readonly TunOptionSet _tun = new();

    private readonly Argument<string> _url = new("url")
    {
        Description = "http://HOST[:PORT]/PATH, HOST being the kernel's address (--host-address).",
    };

    private readonly Option<int> _connections = new Option<int>("--connections")
    {
        Description = "Concurrent connections (each runs one request at a time).",
        DefaultValueFactory = _ => 16,
    }.MustBeInRange(1, 16384);

    private readonly Option<long> _requests = new Option<long>("--requests")
    {
        Description = "Stop after this many requests.",
    }.MustBePositive();

    private readonly Option<int> _duration = new Option<int>("--duration")
    {
        Description = "Stop after this many seconds (with --requests: the upper bound on the run, default 120).",
        HelpName = "s",
    }.MustBeInRange(1, 3600);

    private readonly Option<int> _timeout = new Option<int>("--timeout")
    {
        Description = "Seconds one request may take before it counts as an error.",
        DefaultValueFactory = _ => 10,
        HelpName = "s",
    }.MustBeInRange(1, 600);

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the result as one JSON object on stdout.",
    };

    public LoadCommand(CliConsole console)
        : base("load", "Load an HTTP server on the kernel's side of a TUN device from the stack, one connection per request.")
    {
        ArgumentNullException.ThrowIfNull(console);
        _console = console;
        Arguments.Add(_url);
        _tun.AddTo(this);
        Options.Add(_connections);
        Options.Add(_requests);
        Options.Add(_duration);
        Options.Add(_timeout);
        Options.Add(_json);
        SetAction(Execute);
    }

    private int Execute(ParseResult parseResult)
    {
        if (!_tun.TryRead(parseResult, out TunSettings settings, out string error))
        {
            return Usage(error);
        }
        string urlText = parseResult.GetValue(_url)!;
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out Uri? url) || url.Scheme != Uri.UriSchemeHttp ||
            !IPAddress.TryParse(url.Host, out IPAddress? target) || target.AddressFamily != AddressFamily.InterNetwork)
        {
            return Usage($"Invalid URL '{urlText}': must be http:// with an IPv4 address as host.");
        }
        bool hasRequests = parseResult.GetResult(_requests) is not null;
        bool hasDuration = parseResult.GetResult(_duration) is not null;
        if (!hasRequests && !hasDuration)
        {
            return Usage("One of '--requests' and '--duration' is required.");
        }
        long requests = hasRequests ? parseResult.GetValue(_requests) : long.MaxValue;
        // Every run is bounded in time, also one that only asked for a count.
        TimeSpan duration = TimeSpan.FromSeconds(hasDuration ? parseResult.GetValue(_duration) : 120);
        int connections = parseResult.GetValue(_connections);
        bool json = parseResult.GetValue(_json);
        TextWriter progress = json ? _console.Error : _console.Out;

        using var stop = new StopSignal();
        HttpLoadOutcome outcome;
        if (SingleCpuJitTiering.Advice(Environment.ProcessorCount, Environment.GetEnvironmentVariable) is { } advice)
        {
            _console.Error.WriteLine($"fastsocket: load: note: {advice}");
        }
        if (!TunStack.TryStart(settings, "load", out TunStack? started, out string? failure))
        {
            _console.Error.WriteLine($"fastsocket: load: {failure}");
            return ExitCodes.Unexpected;
        }
        using (TunStack tun = started)
        {
            progress.WriteLine($"fastsocket: loading {url} from {settings.Address} over {tun.Device.Name} with {connections} connection(s) on {settings.Cores} core(s)");
            var client = new HttpLoadClient(tun.Stack, url, requests, duration, TimeSpan.FromSeconds(parseResult.GetValue(_timeout)), stop.Token);
            outcome = client.Run(connections);
            tun.WriteStatistics(_console.Error);
        }

        if (json)
        {
            WriteJson(outcome);
        }
        else
        {
            WriteText(outcome);
        }
        return outcome.Errors == 0 && outcome.Requests > 0 ? ExitCodes.Success : ExitCodes.Failed;
    }

    private void WriteText(HttpLoadOutcome o)
    {
        TextWriter w = _console.Out;
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests {o.Requests} in {o.Seconds:F2} s: {o.RequestsPerSecond:F0} requests/s"));
        w.WriteLine($"errors {o.Errors} (connect {o.ConnectErrors}, read {o.ReadErrors}, status {o.StatusErrors}, timeout {o.Timeouts})");
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency us: p50 {o.Latency.PercentileUs(50):F0} p90 {o.Latency.PercentileUs(90):F0} p99 {o.Latency.PercentileUs(99):F0} p99.9 {o.Latency.PercentileUs(99.9):F0} max {o.Latency.PercentileUs(100):F0}"));
    }

    private void WriteJson(HttpLoadOutcome o)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("requests", o.Requests);
            json.WriteNumber("errors", o.Errors);
            json.WriteNumber("rps", Math.Round(o.RequestsPerSecond, 1));
            json.WriteNumber("seconds", Math.Round(o.Seconds, 3));
            json.WriteNumber("connect_errors", o.ConnectErrors);
            json.WriteNumber("read_errors", o.ReadErrors);
            json.WriteNumber("status_errors", o.StatusErrors);
            json.WriteNumber("timeouts", o.Timeouts);
            json.WriteNumber("p50_us", o.Latency.PercentileUs(50));
            json.WriteNumber("p90_us", o.Latency.PercentileUs(90));
            json.WriteNumber("p99_us", o.Latency.PercentileUs(99));
            json.WriteNumber("p999_us", o.Latency.PercentileUs(99.9));
            json.WriteNumber("max_us", o.Latency.PercentileUs(100));
            json.WriteEndObject();
        }
        _console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private int Usage(string message)
    {
        _console.Error.WriteLine($"fastsocket: {message}");
        _console.Error.WriteLine("Run 'fastsocket load --help' for usage.");
        return ExitCodes.Usage;
    }
}
