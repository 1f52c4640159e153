using Fastsocket.Cli;
using Fastsocket.Cli.Bench.Real;

namespace Fastsocket.Tests.Cli;

/// <summary>
/// The pieces of <c>bench --real</c> that need no root: reading wrk's and ab's summaries and /proc/PID/stat, the
/// medians of the rows, and the refusals that come before anything is started.
/// </summary>
public sealed class RealBenchParsingTests
{
    private const string WrkOutput = """
        Running 1s test @ http://127.0.0.1:8080/
          1 threads and 8 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency     2.08ms    2.51ms  14.04ms   83.56%
            Req/Sec     3.45k   188.16     3.82k    80.00%
          Latency Distribution
             50%  467.00us
             75%    3.27ms
             90%    5.67ms
             99%    9.89ms
          3480 requests in 1.01s, 492.77KB read
          Socket errors: connect 1, read 2, write 3, timeout 4
          Non-2xx or 3xx responses: 5
        Requests/sec:   3429.27
        Transfer/sec:    485.59KB
        """;

    private const string AbOutput = """
        Complete requests:      2811
        Failed requests:        7
        Non-2xx responses:      2
        Requests per second:    2810.93 [#/sec] (mean)
        Percentage of the requests served within a certain time (ms)
          50%      1
          98%     12
          99%     14
         100%     21 (longest request)
        """;

    [Fact]
    public void WrkSummaryGivesConnectionsRateP99AndAllErrors()
    {
        RealLoadOutcome outcome = RealLoadClient.ParseWrk(WrkOutput.Replace("\r\n", "\n", StringComparison.Ordinal));

        Assert.Null(outcome.Problem);
        Assert.Equal(3480, outcome.Connections);
        Assert.Equal(3429.27, outcome.ConnectionsPerSecond, 2);
        Assert.Equal(9890, outcome.P99Microseconds, 1);
        Assert.Equal(1 + 2 + 3 + 4 + 5, outcome.Errors);
    }

    [Fact]
    public void WrkLatencyUnitsAreScaledToMicroseconds()
    {
        string output = WrkOutput.Replace("99%    9.89ms", "99%  812.00us", StringComparison.Ordinal);
        Assert.Equal(812, RealLoadClient.ParseWrk(output).P99Microseconds, 1);
        output = WrkOutput.Replace("99%    9.89ms", "99%    1.50s", StringComparison.Ordinal);
        Assert.Equal(1_500_000, RealLoadClient.ParseWrk(output).P99Microseconds, 1);
    }

    [Fact]
    public void AbSummaryGivesConnectionsRateP99AndFailures()
    {
        RealLoadOutcome outcome = RealLoadClient.ParseAb(AbOutput);

        Assert.Null(outcome.Problem);
        Assert.Equal(2811, outcome.Connections);
        Assert.Equal(2810.93, outcome.ConnectionsPerSecond, 2);
        Assert.Equal(14_000, outcome.P99Microseconds, 1);
        Assert.Equal(9, outcome.Errors);
    }

    [Fact]
    public void OutputWithoutASummaryIsAFailedLoadNotAnException()
    {
        Assert.NotNull(RealLoadClient.ParseWrk("unable to connect to 198.18.40.2:8080 Connection refused").Problem);
        Assert.NotNull(RealLoadClient.ParseAb("apr_socket_recv: Connection refused (111)").Problem);
    }

    [Fact]
    public void ProcStatIsReadFromTheLastParenthesisSoOddCommandNamesDoNotShiftTheFields()
    {
        const string Stat = "4242 (nginx: a) (b) S 4200 4242 4242 0 -1 4194560 100 0 0 0 37 12 0 0 20 0 1 0 500 0 0";

        Assert.Equal((4200, 37L + 12L), RealProcessCpu.ParseStat(Stat));
        Assert.Null(RealProcessCpu.ParseStat("garbage"));
    }

    [Fact]
    public void ThisProcessHasCpuTimeInProc()
    {
        Assert.True(RealProcessCpu.Microseconds(Environment.ProcessId) > 0);
    }

    [Fact]
    public void RowsReportTheMedianTheRangeAndTheErrorsOfAllRuns()
    {
        RealSample[] samples =
        [
            new(new RealLoadOutcome(100, 300, 900, 1), 20, null),
            new(new RealLoadOutcome(100, 100, 700, 0), 40, null),
            new(new RealLoadOutcome(100, 200, 800, 2), 30, null),
        ];

        RealRow row = RealRow.From("serve-tun", "tun", 1, samples, unavailable: null);

        Assert.True(row.Succeeded);
        Assert.Equal(200, row.ConnectionsPerSecond);
        Assert.Equal((100.0, 300.0), (row.MinConnectionsPerSecond, row.MaxConnectionsPerSecond));
        Assert.Equal(800, row.P99Microseconds);
        Assert.Equal(30, row.ServerCpuMicrosecondsPerConnection);
        Assert.Equal(3, row.Errors);
        Assert.Equal(150, RealRow.Median([100, 200]));
    }

    [Fact]
    public void AFailedRunOrAMissingToolIsSaidInTheRow()
    {
        RealRow failed = RealRow.From("kestrel-tun", "tun", 1,
            [new(new RealLoadOutcome(100, 100, 700, 0), 40, null), RealSample.Failed("server did not start: boom")], unavailable: null);
        Assert.False(failed.Succeeded);
        Assert.Contains("1 of 2 runs failed: server did not start: boom", failed.Error, StringComparison.Ordinal);
        Assert.Equal(100, failed.ConnectionsPerSecond);

        RealRow skipped = RealRow.From("nginx-kernel", "loopback", 1, [], "nginx is not installed (not on PATH)");
        Assert.False(skipped.Succeeded);
        Assert.Equal("skipped: nginx is not installed (not on PATH)", skipped.Error);
    }

    [Fact]
    public void MoreThanOneServerCoreCountIsAUsageError()
    {
        var stderr = new StringWriter();
        int exitCode = Program.Run(["bench", "--real", "--server-cores", "1,2"], new StringWriter(), stderr);

        Assert.Equal(2, exitCode);
        Assert.Contains("one server core count", stderr.ToString(), StringComparison.Ordinal);
    }
}
