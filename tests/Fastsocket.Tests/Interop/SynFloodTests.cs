using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// SYN flood survival ("Field-worthy", item 1; RFC 4987): a raw-socket sender (tests/tools/synflood.c) floods the
/// server with 20,000 spoofed SYNs a second (sources from 198.18.0.0/15 minus the test's subnets) while a legitimate
/// client on the kernel side (tests/tools/httpprobe.c) opens 1,000 fresh connections on a fixed schedule, each one
/// HTTP request. At least 99% must complete within 3 s with a median under 100 ms. The kernel with
/// <c>tcp_syncookies=1</c> behind a veth pair is the reference and must hold; <c>fastsocket serve --http</c> over TUN
/// faces the identical flood and client, and its peak RSS must also stay under 1 GB. In both setups the SYN-ACKs to
/// the spoofed sources reach the flooder's namespace, which owns none of those addresses and does not forward, so
/// they vanish without an RST that would free the server's half-open entries early. bench/scripts/syn-flood.sh is
/// the full-size (20 s) run of the same measurement.
/// </summary>
/// <remarks>
/// The flood lasts 10 s here, not the issue's 20 s, to keep the CI suite inside its budget; the rate, the client and
/// the thresholds are the issue's. Each test takes about 15-25 s.
/// </remarks>
[Collection(InteropCollection.Name)]
public sealed partial class SynFloodTests(ITestOutputHelper output)
{
    private const int Rate = 20_000;
    private const int FloodSeconds = 10;
    private const int Seed = 4987;
    private const int Connections = 1000;

    // The client starts once the flood has filled the queues and spreads its connections over 5 s, so the last one
    // still has 3 s of flood ahead of it plus a second to spare.
    private const int LeadMilliseconds = 1000;
    private const int ClientRate = 200;
    private const int ThresholdMilliseconds = 3000;
    private const int LimitMilliseconds = 5000;

    private const double RequiredShare = 0.99;
    private const double MedianLimitMilliseconds = 100;
    private const long PeakRssLimitKilobytes = 1024 * 1024;

    [InteropFact("nginx", "gcc", "nstat")]
    public async Task KernelWithSynCookiesServesTheLegitimateClientThroughTheFlood()
    {
        string directory = Directory.CreateTempSubdirectory("fastsocket-synflood-").FullName;
        try
        {
            Tools tools = Tools.Build(directory);
            using var server = new NetworkNamespace();
            using var client = new NetworkNamespace();
            const string ServerAddress = "198.18.50.2";
            ConfigureKernelSide(server);
            ConfigureKernelSide(client);
            // The pair is created inside the server's namespace with its peer straight in the client's: the host's
            // interfaces are never touched.
            server.Exec("ip", "link", "add", "fsv0", "type", "veth", "peer", "name", "fsv1", "netns", client.Name).EnsureSuccess();
            server.Exec("ip", "addr", "add", ServerAddress + "/24", "dev", "fsv0").EnsureSuccess();
            server.Exec("ip", "link", "set", "fsv0", "up").EnsureSuccess();
            client.Exec("ip", "addr", "add", "198.18.50.1/24", "dev", "fsv1").EnsureSuccess();
            client.Exec("ip", "link", "set", "fsv1", "up").EnsureSuccess();
            // Replies to the spoofed sources go back over the pair, as a server's default route would send them.
            server.Exec("ip", "route", "add", "198.18.0.0/15", "via", "198.18.50.1").EnsureSuccess();
            server.Exec("sysctl", "-qw", "net.ipv4.tcp_syncookies=1").EnsureSuccess();

            string config = Path.Combine(directory, "nginx.conf");
            File.WriteAllText(config, $$"""
                daemon off;
                master_process off;
                worker_processes 1;
                pid {{directory}}/nginx.pid;
                error_log {{directory}}/error.log warn;
                events { worker_connections 4096; }
                http {
                    access_log off;
                    client_body_temp_path {{directory}}/body;
                    proxy_temp_path {{directory}}/proxy;
                    fastcgi_temp_path {{directory}}/fastcgi;
                    uwsgi_temp_path {{directory}}/uwsgi;
                    scgi_temp_path {{directory}}/scgi;
                    server {
                        listen {{ServerAddress}}:80;
                        location / { default_type text/plain; return 200 "hello from nginx\n"; }
                    }
                }
                """);
            BackgroundProcess nginx = server.Start("nginx", "-c", config);
            await WaitUntilServingAsync(client, tools, ServerAddress);

            long cookiesBefore = Counter(server, "TcpExtSyncookiesSent");
            // Over a veth pair the kernel handles each SYN (cookie, SYN-ACK) in the softirq of the flooder's own send
            // call, so on a busy machine the flooder slows down instead of the kernel dropping: it reached 8,200/s of
            // 20,000 once while other builds loaded this 2-core machine. Half the rate still overflows the listener
            // many times over (the cookie count below proves the overflow); the TUN test holds its flooder to 90%.
            FloodResult result = await FloodAsync(client, tools, ServerAddress, "198.18.50.0/24", minimumShare: 0.5);
            long peak = PeakRssKilobytes(nginx.Id);
            long cookies = Counter(server, "TcpExtSyncookiesSent") - cookiesBefore;
            Report("kernel (nginx, tcp_syncookies=1)", result, peak, $"syncookies sent {cookies}");

            // The flood really overflowed the listener: without that the reference would prove nothing.
            Assert.True(cookies > 0, $"the kernel sent no SYN cookies: the flood did not fill its queue\n{result}");
            AssertSurvived(result);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Fails until the engine answers SYNs with cookies once a listener's half-open queue is full.</summary>
    [InteropFact("gcc")]
    public async Task ServeOverTunServesTheLegitimateClientThroughTheFlood()
    {
        string directory = Directory.CreateTempSubdirectory("fastsocket-synflood-").FullName;
        try
        {
            Tools tools = Tools.Build(directory);
            using var ns = new NetworkNamespace();
            ConfigureKernelSide(ns);
            BackgroundProcess serve = await TunServer.StartAsync(ns, "198.18.51", "--http");
            const string ServerAddress = "198.18.51.2";
            await WaitUntilServingAsync(ns, tools, ServerAddress);

            // The device's queue toward the stack is sized for bursts (the kernel's 500 dropped legitimate SYNs).
            CommandResult link = ns.Exec("ip", "link", "show", "dev", ns.TunName).EnsureSuccess();
            Assert.Contains($" qlen {Fastsocket.Devices.Tun.TunDevice.DefaultKernelQueueLength}", link.Output, StringComparison.Ordinal);

            long queueDropsBefore = TunQueueDrops(ns);
            FloodResult result = await FloodAsync(ns, tools, ServerAddress, "198.18.51.0/24", minimumShare: 0.9);
            long peak = PeakRssKilobytes(serve.Id);
            long queueDrops = TunQueueDrops(ns) - queueDropsBefore;
            string stopped = await TunServer.StopAsync(serve);
            Report("fastsocket serve --http over TUN", result, peak, $"TUN queue drops {queueDrops}");
            output.WriteLine(stopped);

            AssertSurvived(result);
            Assert.True(peak < PeakRssLimitKilobytes, $"peak RSS {peak} kB is not under 1 GB");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        long TunQueueDrops(NetworkNamespace ns)
        {
            // The kernel's TX on the TUN is what it hands to the stack; "dropped" there is its queue overflowing.
            CommandResult link = ns.Exec("ip", "-s", "link", "show", "dev", ns.TunName).EnsureSuccess();
            Match tx = TxStatistics().Match(link.Output);
            return tx.Success ? long.Parse(tx.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
        }
    }

    /// <summary>
    /// Neither side forwards (a SYN-ACK to a spoofed source is dropped where it lands, silently) and neither filters
    /// by reverse path, so the kernel reference and the TUN setup treat the flood the same way.
    /// </summary>
    private static void ConfigureKernelSide(NetworkNamespace ns) =>
        ns.Exec("sysctl", "-qw", "net.ipv4.ip_forward=0", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
            .EnsureSuccess();

    private static async Task WaitUntilServingAsync(NetworkNamespace ns, Tools tools, string address)
    {
        CommandResult? last = null;
        for (int attempt = 0; attempt < 50; attempt++)
        {
            last = ns.Exec(tools.Probe, address, "80", "1", "1", "1000", "1000");
            if (last.Output.Contains("completed 1 ", StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{address}:80 did not answer before the flood: {last}");
    }

    /// <summary>
    /// Floods <paramref name="address"/>:80 from <paramref name="ns"/> and runs the client there during it; the flooder
    /// must get at least <paramref name="minimumShare"/> of its SYNs out, or the result would not be about a flood.
    /// </summary>
    private static async Task<FloodResult> FloodAsync(NetworkNamespace ns, Tools tools, string address, string ownSubnet, double minimumShare)
    {
        BackgroundProcess flood = ns.Start(tools.Flooder, address, "80", Inv(Rate), Inv(FloodSeconds), "198.18.0.0/15", Inv(Seed), ownSubnet);
        await Task.Delay(LeadMilliseconds);
        CommandResult probe = ns.ExecWithin(TimeSpan.FromSeconds(FloodSeconds + (LimitMilliseconds / 1000) + 30), tools.Probe,
            address, "80", Inv(Connections), Inv(ClientRate), Inv(LimitMilliseconds), Inv(ThresholdMilliseconds));
        bool finished = await flood.WaitForOutputAsync("synflood: sent", TimeSpan.FromSeconds(FloodSeconds + 30));
        Assert.True(finished, $"the flooder did not finish: {flood.Output}\n{flood.Error}");
        Assert.True(probe.ExitCode == 0, $"httpprobe: {probe}");

        Match sent = FloodLine().Match(flood.Output);
        Match client = ProbeLine().Match(probe.Output);
        Assert.True(sent.Success, $"synflood: {flood.Output}\n{flood.Error}");
        Assert.True(client.Success, $"httpprobe: {probe}");
        var result = new FloodResult(
            SynsSent: long.Parse(sent.Groups[1].Value, CultureInfo.InvariantCulture),
            Completed: int.Parse(client.Groups[1].Value, CultureInfo.InvariantCulture),
            WithinThreshold: int.Parse(client.Groups[2].Value, CultureInfo.InvariantCulture),
            MedianMilliseconds: Milliseconds(client.Groups[3].Value),
            P99Milliseconds: Milliseconds(client.Groups[4].Value),
            FlooderLine: sent.Value,
            ClientLine: client.Value);

        Assert.True(result.SynsSent >= (long)Rate * FloodSeconds * minimumShare,
            $"the flooder sent under {minimumShare:P0} of {Rate}/s for {FloodSeconds} s: {result}");
        return result;
    }

    private static void AssertSurvived(FloodResult result)
    {
        Assert.True(result.WithinThreshold >= Connections * RequiredShare,
            $"{result.WithinThreshold} of {Connections} connections completed within {ThresholdMilliseconds} ms (need {RequiredShare:P0}): {result}");
        Assert.True(result.MedianMilliseconds < MedianLimitMilliseconds, $"median {result.MedianMilliseconds} ms: {result}");
    }

    private void Report(string target, FloodResult result, long peakKilobytes, string notes) =>
        output.WriteLine($"{target}: {result.WithinThreshold}/{Connections} within {ThresholdMilliseconds} ms, " +
            $"{result.Completed} completed, median {result.MedianMilliseconds} ms, p99 {result.P99Milliseconds} ms, " +
            $"peak RSS {peakKilobytes / 1024} MB, {notes}\n  {result.FlooderLine}\n  {result.ClientLine}");

    /// <summary>Peak resident set (VmHWM) of a running process, in kB.</summary>
    private static long PeakRssKilobytes(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"no VmHWM for process {pid}");
    }

    /// <summary>One of the namespace's SNMP counters (absolute), from nstat.</summary>
    private static long Counter(NetworkNamespace ns, string name)
    {
        CommandResult nstat = ns.Exec("nstat", "-asz", name).EnsureSuccess();
        foreach (string line in nstat.Output.Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[0] == name)
            {
                return long.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    private static double Milliseconds(string value) =>
        value == "inf" ? double.PositiveInfinity : double.Parse(value, CultureInfo.InvariantCulture);

    private static string Inv(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"synflood: sent (\d+) of \d+ SYNs[^\n]*")]
    private static partial Regex FloodLine();

    [GeneratedRegex(@"httpprobe: attempted \d+ completed (\d+) within \d+ ms (\d+) \([^)]*\) median (inf|[\d.]+) ms p99 (inf|[\d.]+) ms[^\n]*")]
    private static partial Regex ProbeLine();

    [GeneratedRegex(@"TX:[^\n]*\n\s*\d+\s+\d+\s+\d+\s+(\d+)")]
    private static partial Regex TxStatistics();

    /// <summary>What the flood and the client saw.</summary>
    private sealed record FloodResult(long SynsSent, int Completed, int WithinThreshold, double MedianMilliseconds, double P99Milliseconds,
        string FlooderLine, string ClientLine);

    /// <summary>The flooder and the client, compiled with gcc from tests/tools into the test's folder.</summary>
    private sealed record Tools(string Flooder, string Probe)
    {
        public static Tools Build(string directory)
        {
            string sources = Path.Combine(RepositoryRoot(), "tests", "tools");
            var tools = new Tools(Path.Combine(directory, "synflood"), Path.Combine(directory, "httpprobe"));
            Compile(Path.Combine(sources, "synflood.c"), tools.Flooder);
            Compile(Path.Combine(sources, "httpprobe.c"), tools.Probe, "-lm");
            return tools;
        }

        private static void Compile(string source, string binary, params string[] libraries)
        {
            CommandResult gcc = NetworkNamespace.Run("gcc", ["-O2", "-Wall", "-Wextra", "-o", binary, source, .. libraries]);
            Assert.True(gcc.ExitCode == 0, $"gcc {source}: {gcc}");
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
    }
}
