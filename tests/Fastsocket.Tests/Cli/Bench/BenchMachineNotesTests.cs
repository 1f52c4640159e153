using Fastsocket.Bench;
using Fastsocket.Cli.Bench;

namespace Fastsocket.Tests.Cli.Bench;

/// <summary>What the plot and table say about the machine, the client cores and oversubscription.</summary>
public sealed class BenchMachineNotesTests
{
    private static BenchResult Result(string design, int server, int client) => new()
    {
        Design = design, ServerCores = server, ClientCores = client, Connections = 1_000, Seconds = 1,
        P50Us = 1, P99Us = 2, P999Us = 3, Errors = 0,
    };

    private static BenchMachine Machine(int processors) => new(processors, "Linux", "X64", ".NET 10.0.0", "Test CPU");

    [Fact]
    public void Runs_with_more_busy_threads_than_processors_are_named_as_oversubscribed()
    {
        var report = new BenchReport([Result("fastsocket", 1, 1), Result("fastsocket", 2, 1)], Machine(2));

        string? note = BenchMachineNotes.Oversubscribed(report);

        Assert.NotNull(note);
        Assert.Contains("Oversubscribed", note, StringComparison.Ordinal);
        Assert.Contains("2 processors", note, StringComparison.Ordinal);
        Assert.Contains("2+1", note, StringComparison.Ordinal);
        Assert.DoesNotContain("1+1", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_that_fit_the_machine_get_no_warning()
    {
        var report = new BenchReport([Result("fastsocket", 1, 1), Result("fastsocket", 8, 8)], Machine(16));

        Assert.Null(BenchMachineNotes.Oversubscribed(report));
    }

    [Fact]
    public void The_machine_and_the_client_cores_are_named()
    {
        var report = new BenchReport([Result("base", 1, 1), Result("base", 2, 2), Result("base", 4, 4)], Machine(16));

        Assert.Equal("16 processors (Test CPU), Linux, .NET 10.0.0", BenchMachineNotes.Machine(report.Machine));
        Assert.Equal("client cores: 1, 2, 4 (as many as server cores)", BenchMachineNotes.ClientCores(report));
        Assert.Equal("client cores: 1", BenchMachineNotes.ClientCores(new BenchReport([Result("base", 2, 1)], Machine(16))));
    }

    [Fact]
    public void An_oversubscribed_plot_is_still_written()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fastsocket-plot-{Guid.NewGuid():N}.png");
        try
        {
            BenchPlotWriter.WritePng(new BenchReport([Result("fastsocket", 1, 1), Result("fastsocket", 2, 2)], Machine(2)), path);

            byte[] png = File.ReadAllBytes(path);
            Assert.True(png.Length > 1_000);
            Assert.Equal(0x89, png[0]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
