using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>
/// <c>bench --syn-flood PPS</c>: each Fastsocket.NET design run once without and once under spoofed SYNs injected into
/// the server's receive path, so the legitimate rate under attack stands beside the rate without it.
/// </summary>
public sealed class BenchSynFloodTests
{
    [Fact]
    public void A_flooded_run_stands_beside_the_unflooded_one_and_still_completes_connections_through_cookies()
    {
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1, duration: TimeSpan.FromSeconds(1),
            warmup: TimeSpan.FromMilliseconds(200), concurrency: 8);
        IReadOnlyList<BenchPlan> plans = BenchPlan.WithSynFlood(BenchPlan.Build(["fastsocket"], [1], spec), 20_000);

        var runner = new BenchRunner(BenchTargets.CreateDefault());
        IReadOnlyList<BenchResult> results = runner.RunQuiet(plans, TextWriter.Null, CancellationToken.None);

        Assert.Null(runner.Failure);
        Assert.Equal(2, results.Count);
        BenchResult plain = results[0];
        BenchResult flooded = results[1];
        Assert.Equal("fastsocket", plain.Design);
        Assert.Equal("fastsocket", flooded.Design);
        Assert.Equal(0, plain.SynFloodPps);
        Assert.Equal(20_000, flooded.SynFloodPps);
        Assert.Equal(0, plain.Errors);
        Assert.Equal(0, flooded.Errors);
        Assert.True(plain.Connections > 0);
        Assert.True(flooded.Connections > 0, "no legitimate connection completed under the flood");
        Assert.Equal(0, plain.SynCookiesSent);
        Assert.True(flooded.SynCookiesSent > 0, "the flood never filled the half-open queue, so no cookie was sent");

        string json = BenchJsonWriter.ToJson(new BenchReport(results, BenchMachine.Current()));
        Assert.Contains("\"syn_flood_pps\": 20000", json, StringComparison.Ordinal);
        Assert.Contains("\"syn_cookies_sent\": ", json, StringComparison.Ordinal);
        Assert.Contains("\"syn_cookies_validated\": ", json, StringComparison.Ordinal);
        string[] csv = BenchCsvWriter.ToCsv(new BenchReport(results, BenchMachine.Current())).Split('\n');
        Assert.EndsWith("syn_flood_pps,syn_cookies_sent,syn_cookies_validated", csv[0], StringComparison.Ordinal);
        Assert.Contains(",20000,", csv[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_stack_designs_get_a_flooded_twin_and_zero_adds_none()
    {
        var spec = new BenchRunSpec(serverCores: 1, clientCores: 1);
        IReadOnlyList<BenchPlan> plans = BenchPlan.Build(["kernel", "base", "fastsocket"], [1], spec);

        IReadOnlyList<BenchPlan> flooded = BenchPlan.WithSynFlood(plans, 5000);

        Assert.Equal(["kernel", "base", "base", "fastsocket", "fastsocket"], flooded.Select(p => p.Design));
        Assert.Equal([0, 0, 5000, 0, 5000], flooded.Select(p => p.Spec.SynFloodPps));
        Assert.Same(plans, BenchPlan.WithSynFlood(plans, 0));
    }

    [Theory]
    [InlineData("10kb", "must be a whole number")]
    [InlineData("-1", "must be between 0 and 10000000")]
    [InlineData("10000001", "must be between 0 and 10000000")]
    public void A_bad_flood_rate_is_refused_in_words_with_exit_2(string value, string words)
    {
        var (exitCode, stdout, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(),
            "bench", "--syn-flood", value);

        Assert.Equal(2, exitCode);
        Assert.Contains("'--syn-flood'", stderr, StringComparison.Ordinal);
        Assert.Contains(words, stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
    }
}
