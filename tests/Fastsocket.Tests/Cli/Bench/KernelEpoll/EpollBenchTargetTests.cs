using System.Diagnostics;
using System.Net;
using System.Text;
using Fastsocket.Bench;
using Fastsocket.Bench.KernelEpoll;

namespace Fastsocket.Tests.Cli.Bench.KernelEpoll;

/// <summary>
/// kernel-epoll over the real loopback: a bounded run completes connections with none failed, the client rejects a
/// response that is not exactly the bench's, and neither side allocates per connection (counted, not timed). Rates
/// depend on the machine, so none is asserted. Not run beside other CPU-heavy tests.
/// </summary>
[Collection(KernelBenchCollection.Name)]
public sealed class EpollBenchTargetTests
{
    [LinuxFact]
    public void A_short_run_on_two_reuseport_cores_completes_connections_without_errors()
    {
        var spec = new BenchRunSpec(serverCores: 2, clientCores: 1, duration: TimeSpan.FromSeconds(1), warmup: TimeSpan.Zero, concurrency: 4);
        var progress = new BenchProgress();

        BenchResult result = new EpollBenchTarget().Run(spec, progress, CancellationToken.None);

        Assert.Equal("kernel-epoll", result.Design);
        Assert.True(result.Connections > 0, $"no connection completed ({progress.Completed} completed, {progress.Errors} failed)");
        Assert.Equal(0, result.Errors);
        Assert.Equal(0, progress.Errors);
        Assert.True(result.P50Us > 0 && result.P50Us <= result.P99Us);
        Assert.Null(result.PacketsPerConnection);
    }

    [LinuxFact]
    public void Kernel_epoll_is_registered_as_a_kernel_baseline()
    {
        Assert.Contains(EpollBenchTarget.DesignName, BenchTargets.CreateDefault().KernelDesigns);
    }

    [LinuxFact]
    public void Serving_and_loading_connections_allocates_nothing_after_warm_up()
    {
        const int warmup = 16;
        const int measured = 200;
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, concurrency: 4);
        using var server = new EpollBenchServer(spec, allocationWarmup: warmup);
        using var client = new EpollClientLoop(server.Port, spec, firstLoop: 0, cpu: 1, cap: warmup + measured, progress: new BenchProgress(),
            allocationWarmup: warmup);

        RunOnOwnThread(client, measureStart: 0, measureEnd: long.MaxValue);
        server.Dispose();

        Assert.Equal(warmup + measured, client.TotalCompleted);
        Assert.Equal(0, client.Errors);
        Assert.Equal(warmup + measured, client.Latency.Count);
        Assert.Equal(0L, client.AllocatedBytesSinceWarmup);
        Assert.Equal(warmup + measured, server.Loops[0].Served);
        Assert.Equal(0L, server.Loops[0].AllocatedBytesSinceWarmup);
    }

    [LinuxFact]
    public void The_client_rejects_a_response_with_one_wrong_byte()
    {
        var spec = new BenchRunSpec(concurrency: 1);
        byte[] wrong = spec.Response.ToArray();
        wrong[^1] ^= 0x20;
        using var server = new WrongResponseServer(wrong, connections: 3);
        using var client = new EpollClientLoop(server.Port, spec, firstLoop: 0, cpu: 0, cap: 3, progress: null, slots: 1);

        RunOnOwnThread(client, measureStart: 0, measureEnd: long.MaxValue);

        Assert.Equal(0, client.TotalCompleted);
        Assert.Equal(3, client.Errors);
    }

    [LinuxFact]
    public void Priming_against_a_wrong_server_fails_with_the_reason()
    {
        var spec = new BenchRunSpec();
        byte[] wrong = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(spec.Response.Span).Replace("200 OK", "500 OK", StringComparison.Ordinal));
        using var server = new WrongResponseServer(wrong, connections: 1);

        var error = Assert.Throws<InvalidOperationException>(() => EpollBenchTarget.Prime(server.Port, spec));
        Assert.Contains("exact response", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_System_Net_Sockets_client_rejects_a_wrong_status_line_too()
    {
        var spec = new BenchRunSpec();
        byte[] wrong = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(spec.Response.Span).Replace("200 OK", "500 OK", StringComparison.Ordinal));
        using var server = new WrongResponseServer(wrong, connections: 1);
        using var client = new KernelBenchClient(new IPEndPoint(IPAddress.Loopback, server.Port), spec, new BenchProgress());

        var error = Assert.Throws<InvalidOperationException>(client.Prime);
        Assert.Contains("exact response", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public unsafe void The_blank_line_is_found_across_reads_and_after_false_starts()
    {
        Assert.Equal(4, Match("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0));
        Assert.Equal(2, Match("GET / HTTP/1.1\r\nHost: a\r\n", 0));
        Assert.Equal(4, Match("\r\n", 2));
        Assert.Equal(3, Match("\r\n\r", 0));
        Assert.Equal(1, Match("\r", 3));
        Assert.Equal(4, Match("\n\r\n", 1));
        Assert.Equal(0, Match("x", 3));

        static int Match(string text, int matched)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            fixed (byte* data = bytes)
            {
                return EpollServerLoop.MatchHeaderEnd(data, bytes.Length, matched);
            }
        }
    }

    private static void RunOnOwnThread(EpollClientLoop client, long measureStart, long measureEnd)
    {
        // Its own thread: the loop pins the thread it runs on, which must not be a test runner's.
        long hardStop = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        var thread = new Thread(() => client.Run(measureStart, measureEnd, hardStop)) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "the client loop did not finish");
    }
}
