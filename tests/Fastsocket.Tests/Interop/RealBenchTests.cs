using System.Text.Json;
using Fastsocket.Cli;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// A short <c>fastsocket bench --real</c>, as CI runs it: every server (serve --http over TUN, nginx on kernel TCP,
/// Kestrel on kernel sockets, Kestrel on Fastsocket.NET over TUN) is started in the bench's own namespace, loaded by
/// the real client for one second and must complete connections without a single error.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class RealBenchTests
{
    private static readonly string[] Designs = ["serve-tun", "nginx-kernel", "kestrel-sockets", "kestrel-tun"];

    [InteropFact]
    public void EveryServerCompletesConnectionsWithoutErrorsOverTheRealInterface()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exitCode = Program.Run(["bench", "--real", "--duration", "1", "--warmup", "1", "--runs", "1", "--json"], stdout, stderr);

        Assert.True(exitCode == 0, $"bench --real exited with {exitCode}\nstderr:\n{stderr}\nstdout:\n{stdout}");
        using JsonDocument report = JsonDocument.Parse(stdout.ToString());
        JsonElement[] rows = report.RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(Designs, rows.Select(r => r.GetProperty("design").GetString()));
        foreach (JsonElement row in rows)
        {
            string design = row.GetProperty("design").GetString()!;
            Assert.True(row.GetProperty("cps").GetDouble() > 0, $"{design}: no connections completed: {row}\nstderr:\n{stderr}");
            Assert.True(row.GetProperty("errors").GetInt64() == 0, $"{design}: errors: {row}\nstderr:\n{stderr}");
            Assert.True(row.GetProperty("server_cpu_us_per_connection").GetDouble() > 0, $"{design}: no server CPU time read: {row}");
            Assert.Equal(1, row.GetProperty("server_cores").GetInt32());
            Assert.Equal(design.EndsWith("-tun", StringComparison.Ordinal) ? "tun" : "loopback", row.GetProperty("device").GetString());
            Assert.Equal(JsonValueKind.Null, row.GetProperty("error").ValueKind);
        }
    }
}
