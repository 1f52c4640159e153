using Fastsocket.Bench;

namespace Fastsocket.Cli.Bench;

/// <summary>
/// The files <c>bench --out DIR</c> writes: the results as JSON and CSV and the connections-per-second plot. The
/// directory is checked before the first run, so an unwritable one fails in a second rather than after the whole
/// bench.
/// </summary>
internal static class BenchResultFiles
{
    public const string JsonFile = "results.json";
    public const string CsvFile = "results.csv";
    public const string PngFile = "cps_vs_cores.png";

    private const string ProbeFile = ".fastsocket-write-check";

    /// <summary>
    /// Creates <paramref name="directory"/> if needed and proves a file can be written there; returns why not, in
    /// words, or null when it can.
    /// </summary>
    public static string? CheckWritable(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        try
        {
            Directory.CreateDirectory(directory);
            foreach (string name in new[] { JsonFile, CsvFile, PngFile })
            {
                if (Directory.Exists(Path.Combine(directory, name)))
                {
                    return $"'{Path.Combine(directory, name)}' is a directory, so the file cannot be written";
                }
            }

            string probe = Path.Combine(directory, ProbeFile);
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied (choose a directory you can write to)";
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Writes the three files; returns why it could not, in words, or null when it did.</summary>
    public static string? Write(BenchReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, JsonFile), BenchJsonWriter.ToJson(report) + "\n");
            File.WriteAllText(Path.Combine(directory, CsvFile), BenchCsvWriter.ToCsv(report));
            BenchPlotWriter.WritePng(report, Path.Combine(directory, PngFile));
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied";
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
    }
}
