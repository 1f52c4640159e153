using System.Text;
using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench.KernelEpoll;

/// <summary>The nginx reference row: its config, its response check, and (where nginx is installed) a bounded run.</summary>
[Collection(KernelBenchCollection.Name)]
public sealed class NginxBenchTargetTests
{
    [Fact]
    public void The_config_has_one_pinned_reuseport_worker_per_core_and_keeps_every_path_in_its_directory()
    {
        byte[] body = "abcdefgh"u8.ToArray();
        string config = NginxServer.Config("/tmp/x", 8080, workers: 2, body, workerConnections: 1024);

        Assert.Contains("worker_processes 2;", config, StringComparison.Ordinal);
        // Worker k on the k-th CPU this process may use (all of them, unless the test run was started under taskset).
        IReadOnlyList<int> allowed = Fastsocket.Bench.KernelEpoll.EpollNative.AllowedCpus;
        string Mask(int cpu) => "1" + new string('0', cpu);
        Assert.Contains($"worker_cpu_affinity {Mask(allowed[0])} {Mask(allowed[1 % allowed.Count])};", config, StringComparison.Ordinal);
        Assert.Contains("listen 127.0.0.1:8080 reuseport backlog=4096;", config, StringComparison.Ordinal);
        Assert.Contains("return 200 \"abcdefgh\";", config, StringComparison.Ordinal);
        Assert.Contains("access_log off;", config, StringComparison.Ordinal);
        Assert.Contains("daemon off;", config, StringComparison.Ordinal);
        foreach (string line in config.Split('\n').Where(l => l.Contains("_path", StringComparison.Ordinal) || l.TrimStart().StartsWith("pid", StringComparison.Ordinal)))
        {
            Assert.Contains("/tmp/x/", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_learnt_check_leaves_only_the_date_open()
    {
        var spec = new BenchRunSpec(responseBytes: 8);
        string body = Encoding.ASCII.GetString(spec.Response.Span[^8..]);
        byte[] first = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Mon, 30 Nov 2026 16:48:49 GMT\r\nContent-Length: 8\r\n\r\n{body}");
        byte[] later = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Mon, 30 Nov 2026 16:48:50 GMT\r\nContent-Length: 8\r\n\r\n{body}");
        byte[] otherServer = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nServer: nginX\r\nDate: Mon, 30 Nov 2026 16:48:50 GMT\r\nContent-Length: 8\r\n\r\n{body}");

        ResponseCheck check = NginxBenchTarget.CheckFor(first, spec);

        Assert.True(check.Matches(later));
        Assert.False(check.Matches(otherServer));
    }

    [Fact]
    public void A_response_that_is_not_a_200_with_the_body_is_refused()
    {
        var spec = new BenchRunSpec(responseBytes: 8);
        byte[] notFound = Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        Assert.Throws<InvalidDataException>(() => NginxBenchTarget.CheckFor(notFound, spec));
    }

    [NginxFact]
    public void A_short_run_completes_connections_without_errors()
    {
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, duration: TimeSpan.FromSeconds(1), warmup: TimeSpan.Zero, concurrency: 4);
        var progress = new BenchProgress();

        BenchResult result = new NginxBenchTarget().Run(spec, progress, CancellationToken.None);

        Assert.Equal("nginx-kernel", result.Design);
        Assert.True(result.Connections > 0, $"no connection completed ({progress.Completed} completed, {progress.Errors} failed)");
        Assert.Equal(0, result.Errors);
    }

    [NginxFact]
    public void Nginx_answers_the_bench_request_and_is_gone_with_its_directory_after_dispose()
    {
        var spec = new BenchRunSpec(responseBytes: 16);
        string directory;
        int pid;
        using (NginxServer nginx = NginxServer.Start(workers: 1, spec.Response.Span[^16..], workerConnections: 1024))
        {
            directory = nginx.DirectoryPath;
            pid = nginx.ProcessId;
            Assert.True(File.Exists(Path.Combine(directory, "nginx.conf")));
            ResponseCheck check = NginxBenchTarget.LearnResponse(nginx.Port, spec);
            Assert.True(check.AnyLength == 29, "the Date value is the one open range");
        }

        Assert.False(Directory.Exists(directory));
        Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("nginx", StringComparison.Ordinal),
            "the nginx master still runs");
    }
}
