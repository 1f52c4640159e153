using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Fastsocket.Tests.Packetdrill;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// Unmodified nginx on Fastsocket.NET through LD_PRELOAD (libfastsocket-preload.so in front of the published
/// libfastsocket.so) over a TUN device in a namespace, with curl and ab in the kernel as clients: every request answered,
/// none failed, and nginx's port is not a kernel socket.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed partial class NginxPreloadTests
{
    private const string Prefix = "198.18.21";
    private const string Url = "http://" + Prefix + ".2:8080/";
    private const string Page = "served by nginx on Fastsocket.NET\n";
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(20);

    [NginxPreloadFact("nginx", "curl", "ab", "wrk", "gcc", "ss")]
    public Task NginxUnderPreloadWithAnEngineThreadServesCurlAndAbOverTunWithoutFailures() => ServeAsync("thread");

    [NginxPreloadFact("nginx", "curl", "ab", "wrk", "gcc", "ss")]
    public Task NginxUnderPreloadWithTheEngineInsideEpollWaitServesCurlAndAbOverTunWithoutFailures() => ServeAsync("inline");

    /// <summary>
    /// nginx as it usually runs: a master that opens the listener and forks two workers. The master never starts a
    /// stack (its socket waits as a placeholder); each worker starts its own on first use, with its own queue of the
    /// TUN device, and serves the inherited listener; the kernel hashes each flow to one queue, so each worker's stack
    /// sees whole connections. curl, then ab and wrk without a failed request, then a clean stop on SIGTERM.
    /// </summary>
    [NginxPreloadFact("nginx", "curl", "ab", "wrk", "gcc", "ss")]
    public Task NginxWithAMasterAndTwoWorkersUnderPreloadServesCurlAbAndWrkOverTunWithoutFailures() => ServeWithWorkersAsync("thread");

    [NginxPreloadFact("nginx", "curl", "ab", "wrk", "gcc", "ss")]
    public Task NginxWithAMasterAndTwoWorkersRunningTheEngineInsideEpollWaitServesCurlAbAndWrkWithoutFailures() => ServeWithWorkersAsync("inline");

    private static async Task ServeWithWorkersAsync(string engine)
    {
        const string prefix = "198.18.26";
        const string url = "http://" + prefix + ".2:8080/";
        string site = Directory.CreateTempSubdirectory("nginx-workers-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(site, "html"));
            Directory.CreateDirectory(Path.Combine(site, "logs"));
            File.WriteAllText(Path.Combine(site, "html", "index.html"), Page);
            string preload = PreloadSetup.BuildInterposer(site);
            // user root: each worker opens its own queue of the TUN device, which needs /dev/net/tun (root-only here)
            // and the device's owner or CAP_NET_ADMIN; nginx's default worker user has neither.
            File.WriteAllText(Path.Combine(site, "nginx.conf"), $$"""
                user root;
                master_process on;
                worker_processes 2;
                daemon off;
                error_log {{site}}/logs/error.log warn;
                pid {{site}}/nginx.pid;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    sendfile on;
                    server { listen {{prefix}}.2:8080; root {{site}}/html; }
                }
                """);

            using NetworkNamespace ns = PreloadSetup.CreateNamespace(prefix);
            BackgroundProcess server = ns.Start("env", PreloadSetup.Preloaded(preload, ns, prefix, engine,
                "nginx", "-c", Path.Combine(site, "nginx.conf"), "-p", site));

            // One queue per worker, none in the master.
            bool attached = await PreloadSetup.WaitForQueuesAsync(() => PreloadSetup.WithDescendants(server.Id), 2, ReadyLimit);
            Assert.True(attached, $"the workers did not start their stacks (exited: {server.HasExited})\nnginx stderr:\n{server.Error}\nerror.log:\n{ReadLog(site)}");

            CommandResult curl = ns.ExecWithin(TimeSpan.FromSeconds(10), "curl", "-sS", "-m", "5", "--retry", "3", url);
            Assert.True(curl.ExitCode == 0, $"curl: {curl}\nerror.log:\n{ReadLog(site)}");
            Assert.Equal(Page, curl.Output);

            CommandResult listening = ns.Exec("ss", "-Hltn");
            Assert.DoesNotContain(":8080", listening.Output, StringComparison.Ordinal);

            CommandResult ab = ns.ExecWithin(TimeSpan.FromSeconds(60), "ab", "-q", "-n", "2000", "-c", "16", "-s", "10", url);
            Assert.True(ab.ExitCode == 0, $"ab: {ab}\nerror.log:\n{ReadLog(site)}");
            Assert.Equal("2000", CompleteRequests().Match(ab.Output).Groups[1].Value);
            Assert.Equal("0", FailedRequests().Match(ab.Output).Groups[1].Value);
            Assert.DoesNotMatch(NonSuccess(), ab.Output);

            CommandResult wrk = ns.ExecWithin(TimeSpan.FromSeconds(30), "wrk", "-t1", "-c16", "-d2s", url);
            Assert.True(wrk.ExitCode == 0, $"wrk: {wrk}");
            Assert.Matches(WrkRequests(), wrk.Output);
            Assert.DoesNotContain("Socket errors", wrk.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Non-2xx", wrk.Output, StringComparison.Ordinal);

            Assert.False(server.HasExited, $"nginx exited during the load: {server.Error}");
            // SIGTERM to the master: it stops the workers, each drains its stack, and the master exits cleanly.
            CommandResult stopped = await server.StopAsync(TimeSpan.FromSeconds(15));
            Assert.True(stopped.ExitCode == 0, $"nginx did not stop cleanly on SIGTERM: {stopped}\nerror.log:\n{ReadLog(site)}");
        }
        finally
        {
            Directory.Delete(site, recursive: true);
        }
    }

    /// <summary>nginx under the interposer with FASTSOCKET_ENGINE=<paramref name="engine"/>, then curl and ab.</summary>
    private static async Task ServeAsync(string engine)
    {
        string site = Directory.CreateTempSubdirectory("nginx-preload-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(site, "html"));
            Directory.CreateDirectory(Path.Combine(site, "logs"));
            File.WriteAllText(Path.Combine(site, "html", "index.html"), Page);
            string preload = PreloadSetup.BuildInterposer(site);
            File.WriteAllText(Path.Combine(site, "nginx.conf"), $$"""
                master_process off;
                daemon off;
                error_log {{site}}/logs/error.log warn;
                pid {{site}}/nginx.pid;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    sendfile on;
                    server { listen {{Prefix}}.2:8080; root {{site}}/html; }
                }
                """);

            using NetworkNamespace ns = PreloadSetup.CreateNamespace(Prefix);
            BackgroundProcess server = ns.Start("env", PreloadSetup.Preloaded(preload, ns, Prefix, engine,
                "nginx", "-c", Path.Combine(site, "nginx.conf"), "-p", site));

            CommandResult? first = null;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < ReadyLimit && !server.HasExited)
            {
                first = ns.ExecWithin(TimeSpan.FromSeconds(5), "curl", "-sS", "-m", "2", Url);
                if (first.ExitCode == 0)
                {
                    break;
                }
                await Task.Delay(100);
            }
            Assert.True(first is { ExitCode: 0 }, $"nginx did not answer at {Url} within {ReadyLimit.TotalSeconds} s (exited: {server.HasExited}); last curl: {first}\nnginx stderr:\n{server.Error}\nerror.log:\n{ReadLog(site)}");
            Assert.Equal(Page, first.Output);

            // Its port is the stack's, not the kernel's.
            CommandResult listening = ns.Exec("ss", "-Hltn");
            Assert.DoesNotContain(":8080", listening.Output, StringComparison.Ordinal);

            CommandResult ab = ns.ExecWithin(TimeSpan.FromSeconds(60), "ab", "-q", "-n", "2000", "-c", "16", "-s", "10", Url);
            Assert.True(ab.ExitCode == 0, $"ab: {ab}\nerror.log:\n{ReadLog(site)}");
            Assert.Equal("2000", CompleteRequests().Match(ab.Output).Groups[1].Value);
            Assert.Equal("0", FailedRequests().Match(ab.Output).Groups[1].Value);
            Assert.DoesNotMatch(NonSuccess(), ab.Output);

            // Short connections as the paper's experiment makes them: wrk closes each as soon as it has the response.
            // nginx writes the header, sends the file and closes in three calls; they leave together at its next wait
            // (header, body and FIN in one segment), so our FIN reaches wrk with the response and the TIME-WAIT stays
            // on our side, as with nginx on the kernel. Sent one by one, wrk's FIN crossed ours: wrk kept every
            // TIME-WAIT and ran out of ports within seconds, and the ACK of its FIN, owed in CLOSING, was lost when
            // the ACK of ours arrived in the same batch, leaving its sockets in CLOSING.
            CommandResult shortConnections = ns.ExecWithin(TimeSpan.FromSeconds(30), "wrk", "-t1", "-c16", "-d1s", "-H", "Connection: close", Url);
            Assert.True(shortConnections.ExitCode == 0, $"wrk: {shortConnections}");
            Assert.DoesNotContain("Socket errors", shortConnections.Output, StringComparison.Ordinal);
            int requests = int.Parse(WrkRequestCount().Match(shortConnections.Output).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(requests > 0, shortConnections.Output);
            await Task.Delay(300);
            int closing = ns.Exec("ss", "-Htan", "state", "closing").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            int clientTimeWait = ns.Exec("ss", "-Htan", "state", "time-wait").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.True(closing == 0, $"{closing} of wrk's sockets stuck in CLOSING after {requests} requests");
            Assert.True(clientTimeWait * 10 < requests, $"wrk holds {clientTimeWait} TIME-WAIT sockets after {requests} requests: it closed first");

            Assert.False(server.HasExited, $"nginx exited during the load: {server.Error}");
            // SIGTERM reaches nginx inside the interposer's epoll_wait, which it ends with EINTR: a clean exit.
            CommandResult stopped = await server.StopAsync(TimeSpan.FromSeconds(10));
            Assert.True(stopped.ExitCode == 0, $"nginx did not stop cleanly on SIGTERM: {stopped}");
        }
        finally
        {
            Directory.Delete(site, recursive: true);
        }
    }

    private static string ReadLog(string site)
    {
        string path = Path.Combine(site, "logs", "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(none)";
    }

    [GeneratedRegex(@"Complete requests:\s+(\d+)")]
    private static partial Regex CompleteRequests();

    [GeneratedRegex(@"Failed requests:\s+(\d+)")]
    private static partial Regex FailedRequests();

    [GeneratedRegex(@"\d+ requests in")]
    private static partial Regex WrkRequests();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex WrkRequestCount();

    [GeneratedRegex(@"Non-2xx responses:\s+[1-9]")]
    private static partial Regex NonSuccess();
}
