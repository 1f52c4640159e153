using System.Globalization;
using System.Text.RegularExpressions;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// The real client of <c>bench --real</c>: wrk when it is on the PATH, otherwise ApacheBench (ab), both on kernel
/// TCP inside the namespace, pinned to the client CPUs, one request per connection (<c>Connection: close</c>; ab does
/// that by default). Each load is bounded by its duration and a hard limit past it, after which the client is killed.
/// </summary>
internal sealed partial class RealLoadClient
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(20);

    private readonly string _path;
    private readonly int _threads;
    private readonly int _connections;

    private RealLoadClient(string name, string path, int threads, int connections)
    {
        Name = name;
        _path = path;
        _threads = threads;
        _connections = Math.Max(connections, threads);
    }

    /// <summary><c>wrk</c> or <c>ab</c>.</summary>
    public string Name { get; }

    /// <summary>wrk, else ab; null when neither is installed.</summary>
    public static RealLoadClient? Find(int threads, int connections) =>
        RealTools.Find("wrk") is { } wrk ? new RealLoadClient("wrk", wrk, threads, connections)
        : RealTools.Find("ab") is { } ab ? new RealLoadClient("ab", ab, threads, connections)
        : null;

    /// <summary>Loads <paramref name="url"/> for <paramref name="seconds"/> whole seconds from inside the namespace on <paramref name="cpus"/>.</summary>
    public RealLoadOutcome Run(RealNetworkNamespace ns, string taskset, string cpus, string url, int seconds)
    {
        string duration = seconds.ToString(CultureInfo.InvariantCulture);
        IReadOnlyList<string> arguments = Name == "wrk"
            ? ["-t", _threads.ToString(CultureInfo.InvariantCulture), "-c", _connections.ToString(CultureInfo.InvariantCulture),
               "-d", duration + "s", "--timeout", "2s", "--latency", "-H", "Connection: close", url]
            // -t first: it sets -n to 50000, which the -n after it lifts; -r: go on after a receive error; -s: per-request timeout.
            : ["-q", "-r", "-s", "2", "-t", duration, "-n", "100000000", "-c", _connections.ToString(CultureInfo.InvariantCulture), url];
        (int code, string output) = RealCommandRunner.Run(ns.Ip, ns.Exec(taskset, cpus, _path, arguments), TimeSpan.FromSeconds(seconds) + Slack);
        if (code != 0)
        {
            return RealLoadOutcome.Failed($"{Name} exited with {code}: {Tail(output)}");
        }
        return Name == "wrk" ? ParseWrk(output) : ParseAb(output);
    }

    /// <summary>Reads wrk's summary (with --latency).</summary>
    internal static RealLoadOutcome ParseWrk(string output)
    {
        Match requests = WrkRequests().Match(output);
        Match rate = WrkRate().Match(output);
        if (!requests.Success || !rate.Success)
        {
            return RealLoadOutcome.Failed($"could not read wrk's output: {Tail(output)}");
        }
        Match p99 = WrkP99().Match(output);
        double p99Us = p99.Success ? Number(p99.Groups[1].Value) * Scale(p99.Groups[2].Value) : 0;
        long errors = 0;
        Match socket = WrkSocketErrors().Match(output);
        if (socket.Success)
        {
            for (int g = 1; g <= 4; g++)
            {
                errors += long.Parse(socket.Groups[g].Value, CultureInfo.InvariantCulture);
            }
        }
        Match non2xx = WrkNon2xx().Match(output);
        if (non2xx.Success)
        {
            errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        return new RealLoadOutcome(long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture), Number(rate.Groups[1].Value), p99Us, errors);
    }

    /// <summary>Reads ab's summary.</summary>
    internal static RealLoadOutcome ParseAb(string output)
    {
        Match complete = AbComplete().Match(output);
        Match rate = AbRate().Match(output);
        if (!complete.Success || !rate.Success)
        {
            return RealLoadOutcome.Failed($"could not read ab's output: {Tail(output)}");
        }
        long errors = 0;
        if (AbFailed().Match(output) is { Success: true } failed)
        {
            errors += long.Parse(failed.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        if (AbNon2xx().Match(output) is { Success: true } non2xx)
        {
            errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        Match p99 = AbP99().Match(output);
        double p99Us = p99.Success ? Number(p99.Groups[1].Value) * 1000 : 0;
        return new RealLoadOutcome(long.Parse(complete.Groups[1].Value, CultureInfo.InvariantCulture), Number(rate.Groups[1].Value), p99Us, errors);
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double Scale(string unit) => unit switch
    {
        "us" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" => 60_000_000,
        _ => 1,
    };

    private static string Tail(string output)
    {
        string text = output.Trim().ReplaceLineEndings(" | ");
        return text.Length <= 300 ? text : "..." + text[^300..];
    }

    [GeneratedRegex(@"^\s*(\d+) requests in ", RegexOptions.Multiline)]
    private static partial Regex WrkRequests();

    [GeneratedRegex(@"^Requests/sec:\s*([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex WrkRate();

    [GeneratedRegex(@"^\s*99%\s+([0-9.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline)]
    private static partial Regex WrkP99();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex WrkSocketErrors();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex WrkNon2xx();

    [GeneratedRegex(@"^Complete requests:\s*(\d+)", RegexOptions.Multiline)]
    private static partial Regex AbComplete();

    [GeneratedRegex(@"^Requests per second:\s*([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex AbRate();

    [GeneratedRegex(@"^Failed requests:\s*(\d+)", RegexOptions.Multiline)]
    private static partial Regex AbFailed();

    [GeneratedRegex(@"^Non-2xx responses:\s*(\d+)", RegexOptions.Multiline)]
    private static partial Regex AbNon2xx();

    [GeneratedRegex(@"^\s*99%\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex AbP99();
}
