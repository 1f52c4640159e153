namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// One server's line in the <c>bench --real</c> table and JSON: the median of its runs (with the range of the rate),
/// errors summed over all runs, and a note when a tool was missing or a run failed.
/// </summary>
internal sealed record RealRow(
    string Design,
    string Device,
    int ServerCores,
    double ConnectionsPerSecond,
    double MinConnectionsPerSecond,
    double MaxConnectionsPerSecond,
    double P99Microseconds,
    long Errors,
    double ServerCpuMicrosecondsPerConnection,
    IReadOnlyList<double> RunRates,
    string? Error)
{
    /// <summary>Whether every run measured something, with no error.</summary>
    public bool Succeeded => Error is null && ConnectionsPerSecond > 0;

    /// <summary>The row for <paramref name="design"/> from its runs; a row with only <paramref name="unavailable"/> when it could not run at all.</summary>
    public static RealRow From(string design, string device, int serverCores, IReadOnlyList<RealSample> samples, string? unavailable)
    {
        if (unavailable is not null)
        {
            return new RealRow(design, device, serverCores, 0, 0, 0, 0, 0, 0, [], $"skipped: {unavailable}");
        }
        List<RealSample> good = samples.Where(s => s.Problem is null).ToList();
        string? failure = samples.FirstOrDefault(s => s.Problem is not null)?.Problem;
        string? error = failure is null ? null : $"{samples.Count - good.Count} of {samples.Count} runs failed: {failure}";
        if (good.Count == 0)
        {
            return new RealRow(design, device, serverCores, 0, 0, 0, 0, 0, 0, [], error ?? "no runs");
        }
        List<double> rates = good.Select(s => s.Load.ConnectionsPerSecond).ToList();
        return new RealRow(design, device, serverCores,
            Median(rates), rates.Min(), rates.Max(),
            Median(good.Select(s => s.Load.P99Microseconds)),
            good.Sum(s => s.Load.Errors),
            Median(good.Select(s => s.ServerCpuMicrosecondsPerConnection)),
            rates, error);
    }

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    internal static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return 0;
        }
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
