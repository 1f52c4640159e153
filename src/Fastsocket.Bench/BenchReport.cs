namespace Fastsocket.Bench;

/// <summary>All results of one <c>fastsocket bench</c> invocation, and where it ran.</summary>
public sealed record BenchReport(IReadOnlyList<BenchResult> Results, BenchMachine Machine)
{
    /// <summary>
    /// <paramref name="result"/>'s connections/s over the <c>kernel</c> run's with the same server and
    /// client cores in this report; null when there is no such run (or it completed nothing).
    /// </summary>
    public double? RatioToKernel(BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var kernel = Results.FirstOrDefault(r =>
            r.Design == KernelBenchTarget.SharedListenerDesign &&
            r.ServerCores == result.ServerCores &&
            r.ClientCores == result.ClientCores);
        return kernel is { Cps: > 0 } ? result.Cps / kernel.Cps : null;
    }
}
