using System.Text.RegularExpressions;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// <c>fastsocket serve --http</c> over TUN with the kernel as the client: ping, curl with keep-alive and with
/// Connection: close, ab and wrk with short-lived connections, and a capture tshark must find clean.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed partial class TunHttpServeTests
{
    [InteropFact("ping", "curl", "tshark")]
    public async Task PingAndCurlKeepAliveAndCloseWithACleanCapture()
    {
        string directory = Directory.CreateTempSubdirectory("fastsocket-interop-").FullName;
        try
        {
            string pcap = Path.Combine(directory, "serve.pcap");
            using var ns = new NetworkNamespace();
            BackgroundProcess serve = await TunServer.StartAsync(ns, "198.18.10", "--http", "--pcap", pcap);

            CommandResult ping = ns.Exec("ping", "-c", "3", "-i", "0.2", "-W", "2", "198.18.10.2");
            Assert.True(ping.ExitCode == 0, $"ping: {ping}");

            // Two URLs on one command line: curl sends the second request on the same (kept-alive) connection.
            CommandResult keepAlive = ns.Exec("curl", "-sS", "-v", "-m", "10", "http://198.18.10.2/", "http://198.18.10.2/a?b=c");
            Assert.True(keepAlive.ExitCode == 0, $"curl keep-alive: {keepAlive}");
            Assert.Equal(2, Regex.Count(keepAlive.Output, "Hello from Fastsocket.NET"));

            CommandResult close = ns.Exec("curl", "-sS", "-i", "-m", "10", "-H", "Connection: close", "http://198.18.10.2/");
            Assert.True(close.ExitCode == 0, $"curl close: {close}");
            Assert.Contains("HTTP/1.1 200 OK", close.Output, StringComparison.Ordinal);
            Assert.Contains("Connection: close", close.Output, StringComparison.Ordinal);

            // HTTP/1.0 without keep-alive closes by default.
            CommandResult http10 = ns.Exec("curl", "-sS", "-i", "-0", "-m", "10", "http://198.18.10.2/");
            Assert.True(http10.ExitCode == 0, $"curl HTTP/1.0: {http10}");
            Assert.Contains("Connection: close", http10.Output, StringComparison.Ordinal);

            string output = await TunServer.StopAsync(serve);
            // Three connections carried four requests: the first two shared one connection.
            Assert.Matches(ServeLine(), output);

            CommandResult all = NetworkNamespace.Run("tshark", ["-r", pcap]);
            Assert.True(all.ExitCode == 0, $"tshark: {all}");
            Assert.True(all.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 20, $"capture too small:\n{all.Output}");
            CommandResult good = NetworkNamespace.Run("tshark", ["-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                "-Y", "tcp.checksum.status == 1"]);
            Assert.True(good.Output.Length > 0, $"tshark verified no TCP checksum: {good}");
            CommandResult bad = NetworkNamespace.Run("tshark", ["-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                "-Y", "_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || icmp.checksum.status == 0"]);
            Assert.True(bad.ExitCode == 0 && bad.Output.Trim().Length == 0, $"tshark found malformed packets or bad checksums: {bad}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [InteropFact("ab")]
    public async Task AbWithoutKeepAliveHasNoFailures()
    {
        using var ns = new NetworkNamespace();
        BackgroundProcess serve = await TunServer.StartAsync(ns, "198.18.11", "--http");
        CommandResult ab = ns.ExecWithin(TimeSpan.FromSeconds(120), "ab", "-q", "-n", "20000", "-c", "32", "-s", "10", "http://198.18.11.2/");
        string output = await TunServer.StopAsync(serve);
        Assert.True(ab.ExitCode == 0, $"ab: {ab}\nserve:\n{output}");
        Assert.Matches(@"Complete requests:\s+20000", ab.Output);
        Assert.Matches(@"Failed requests:\s+0\b", ab.Output);
        Assert.DoesNotContain("Non-2xx", ab.Output, StringComparison.Ordinal);
    }

    [InteropFact("wrk")]
    public async Task WrkWithConnectionCloseHasNoErrors()
    {
        using var ns = new NetworkNamespace();
        BackgroundProcess serve = await TunServer.StartAsync(ns, "198.18.12", "--http");
        CommandResult wrk = ns.ExecWithin(TimeSpan.FromSeconds(60), "wrk", "-t", "2", "-c", "64", "-d", "5s", "--timeout", "5s",
            "-H", "Connection: close", "http://198.18.12.2/");
        string output = await TunServer.StopAsync(serve);
        Assert.True(wrk.ExitCode == 0, $"wrk: {wrk}\nserve:\n{output}");
        Match requests = RequestsLine().Match(wrk.Output);
        Assert.True(requests.Success, wrk.Output);
        // Every request is its own connection, so this many connections were opened and closed.
        Assert.True(long.Parse(requests.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1000, wrk.Output);
        Assert.DoesNotContain("Socket errors", wrk.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Non-2xx", wrk.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"serve: connections 3, requests 4, bad requests 0")]
    private static partial Regex ServeLine();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsLine();
}
