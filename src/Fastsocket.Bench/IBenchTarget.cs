namespace Fastsocket.Bench;

/// <summary>
/// One server-and-client implementation the bench can drive: the kernel baselines here, and the
/// Fastsocket.NET designs (base, reuseport, fastsocket) that the stack provides. A target owns both
/// ends of the run: it starts <see cref="BenchRunSpec.ServerCores"/> server cores, drives
/// <see cref="BenchRunSpec.ClientCores"/> × <see cref="BenchRunSpec.Concurrency"/> client loops
/// (most targets hand that part to <see cref="BenchLoadGenerator"/>), stops everything and returns
/// the measured figures.
/// </summary>
public interface IBenchTarget
{
    /// <summary>The name shown in tables and JSON, and used in <c>--designs</c>.</summary>
    string Design { get; }

    /// <summary>
    /// Runs one measurement: <see cref="BenchRunSpec.Warmup"/> unmeasured, then
    /// <see cref="BenchRunSpec.Duration"/> measured. Updates <paramref name="progress"/> as connections
    /// complete or fail so a UI can show a live rate; returns only when every thread and socket it
    /// started is gone. Cancelling <paramref name="cancellationToken"/> ends the run early.
    /// </summary>
    BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken);
}
