using System.Text.Json;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>What <c>bench</c> prints and writes, checked with fake targets so no socket is opened.</summary>
public sealed class BenchOutputTests
{
    private static readonly string[] ResultFields =
    [
        "design", "server_cores", "client_cores", "cps", "per_core_cps", "p50_us", "p99_us", "p999_us",
        "errors", "connections", "seconds", "packets_per_connection", "drops",
    ];

    [Fact]
    public void Json_is_one_object_with_a_result_per_design_and_core_count()
    {
        var (exitCode, stdout, _) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(),
            "bench", "--designs", "base,fastsocket", "--server-cores", "1,2", "--duration", "2", "--json");

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(stdout);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);

        var results = root.GetProperty("results").EnumerateArray().ToList();
        // kernel, kernel-reuseport, base, fastsocket at 1 and at 2 server cores.
        Assert.Equal(8, results.Count);
        foreach (var result in results)
        {
            foreach (var field in ResultFields)
            {
                Assert.True(result.TryGetProperty(field, out _), $"result lacks '{field}'");
            }
        }

        var base2 = results.Single(r => r.GetProperty("design").GetString() == "base" && r.GetProperty("server_cores").GetInt32() == 2);
        Assert.Equal(1, base2.GetProperty("client_cores").GetInt32());
        Assert.Equal(10_000, base2.GetProperty("cps").GetDouble());
        Assert.Equal(5_000, base2.GetProperty("per_core_cps").GetDouble());
        Assert.Equal(20_000, base2.GetProperty("connections").GetInt64());
        Assert.Equal(2, base2.GetProperty("seconds").GetDouble());
        Assert.Equal(900, base2.GetProperty("p99_us").GetDouble());
        Assert.Equal(7, base2.GetProperty("packets_per_connection").GetDouble());
        Assert.Equal(0.5, base2.GetProperty("ratio_to_kernel").GetDouble());

        var kernel1 = results.Single(r => r.GetProperty("design").GetString() == "kernel" && r.GetProperty("server_cores").GetInt32() == 1);
        Assert.Equal(JsonValueKind.Null, kernel1.GetProperty("packets_per_connection").ValueKind);
        Assert.Equal(JsonValueKind.Null, kernel1.GetProperty("drops").ValueKind);

        var machine = root.GetProperty("machine");
        Assert.Equal(Environment.ProcessorCount, machine.GetProperty("processor_count").GetInt32());
        Assert.False(string.IsNullOrEmpty(machine.GetProperty("os").GetString()));
        Assert.Contains(".NET", machine.GetProperty("dotnet").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Client_cores_same_gives_each_run_as_many_client_cores_as_server_cores()
    {
        var (exitCode, stdout, _) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(),
            "bench", "--designs", "fastsocket", "--no-kernel", "--server-cores", "1,2,4", "--client-cores", "same", "--json");

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(stdout);
        var pairs = document.RootElement.GetProperty("results").EnumerateArray()
            .Select(r => (r.GetProperty("server_cores").GetInt32(), r.GetProperty("client_cores").GetInt32()))
            .ToList();
        Assert.Equal([(1, 1), (2, 2), (4, 4)], pairs);
    }

    [Fact]
    public void No_kernel_alone_runs_the_default_designs()
    {
        var targets = BenchCliTestSupport.FakeRegistry();
        targets.Register("reuseport", () => new FakeBenchTarget("reuseport", 8_000));
        var (exitCode, stdout, stderr) = BenchCliTestSupport.Invoke(targets, "bench", "--no-kernel", "--json");

        Assert.True(exitCode == 0, stderr);
        using var document = JsonDocument.Parse(stdout);
        var designs = document.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("design").GetString()).ToList();
        Assert.Equal(["base", "reuseport", "fastsocket"], designs);
    }

    [Fact]
    public void No_kernel_leaves_the_baselines_out_and_the_ratio_null()
    {
        var (exitCode, stdout, _) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(),
            "bench", "--designs", "fastsocket", "--no-kernel", "--json");

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(stdout);
        var result = Assert.Single(document.RootElement.GetProperty("results").EnumerateArray());
        Assert.Equal("fastsocket", result.GetProperty("design").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("ratio_to_kernel").ValueKind);
    }

    [Fact]
    public void Table_shows_each_design_with_its_ratio_to_the_kernel()
    {
        var (exitCode, stdout, _) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(),
            "bench", "--designs", "fastsocket");

        Assert.Equal(0, exitCode);
        Assert.Contains("kernel-reuseport", stdout, StringComparison.Ordinal);
        Assert.Contains("fastsocket", stdout, StringComparison.Ordinal);
        Assert.Contains("2.00x", stdout, StringComparison.Ordinal);
        Assert.Contains("1.20x", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_directory_gets_json_csv_and_a_png()
    {
        var directory = Path.Combine(Path.GetTempPath(), "fastsocket-bench-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exitCode, _, stderr) = BenchCliTestSupport.Invoke(BenchCliTestSupport.FakeRegistry(),
                "bench", "--designs", "base,fastsocket", "--server-cores", "1,2,4", "--out", directory, "--json");

            Assert.True(exitCode == 0, stderr);

            using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "results.json"))))
            {
                Assert.Equal(12, json.RootElement.GetProperty("results").GetArrayLength());
            }

            var csv = File.ReadAllLines(Path.Combine(directory, "results.csv"));
            Assert.Equal(13, csv.Length);
            Assert.StartsWith("design,server_cores,client_cores,cps,per_core_cps,p50_us,p99_us,p999_us,errors", csv[0], StringComparison.Ordinal);
            Assert.Contains(csv, line => line.StartsWith("fastsocket,4,1,80000.0,20000.0,", StringComparison.Ordinal));

            var png = File.ReadAllBytes(Path.Combine(directory, "cps_vs_cores.png"));
            Assert.True(png.Length > 1000, $"PNG of {png.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
