using System.Text.Json;
using Fastsocket.Cli;
using Fastsocket.Tests.Stack;

namespace Fastsocket.Tests.Simulation;

/// <summary><c>fastsocket soak</c> on the command line: option errors in plain words, and the JSON summary's fields.</summary>
[Collection(MeasurementCollection.Name)]
public sealed class SoakCommandTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1441")]
    [InlineData("NaN")]
    public void Bad_minutes_is_a_usage_error_without_a_type_name(string minutes)
    {
        var (exitCode, stdout, stderr) = Invoke(["soak", "--minutes", minutes]);

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("'--minutes'", stderr, StringComparison.Ordinal);
        Assert.Contains(minutes, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Double", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_seed_is_a_usage_error_without_a_type_name()
    {
        var (exitCode, _, stderr) = Invoke(["soak", "--minutes", "1", "--seed", "x"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("'--seed'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Int32", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_summary_has_the_required_fields_and_exit_code_follows_them()
    {
        var (exitCode, stdout, _) = Invoke(["soak", "--minutes", "0.05", "--seed", "7", "--json"]);

        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement root = document.RootElement;
        JsonElement connections = root.GetProperty("connections");
        foreach (string outcome in new[] { "completed", "reset", "aborted", "timed_out", "failed" })
        {
            Assert.True(connections.GetProperty(outcome).GetInt64() >= 0);
        }
        Assert.True(connections.GetProperty("completed").GetInt64() > 0);
        Assert.True(root.GetProperty("bytes_verified").GetInt64() > 0);
        Assert.True(root.GetProperty("heap_peak_bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("heap_final_bytes").GetInt64() > 0);
        long left = root.GetProperty("connections_left").GetInt64();
        long unhandled = root.GetProperty("unhandled_exceptions").GetInt64();
        Assert.Equal(left == 0 && unhandled == 0 ? 0 : 1, exitCode);
        Assert.Equal(0, left);
        Assert.Equal(0, unhandled);
    }

    private static (int ExitCode, string Stdout, string Stderr) Invoke(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode = Program.Run(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
