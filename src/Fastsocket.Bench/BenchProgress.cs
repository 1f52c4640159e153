namespace Fastsocket.Bench;

/// <summary>
/// Live counters a target bumps as it runs (from any thread) and the UI reads to show a rate.
/// Counts include the warmup; the result, not these, is what gets reported. The counts are striped by the
/// processor the caller runs on, so sixteen cores bumping them do not all fight over one cache line (which would
/// put a shared-memory bottleneck into a benchmark about removing them).
/// </summary>
public sealed class BenchProgress
{
    private const int Stripes = 64;

    // One cache line pair (128 bytes, what adjacent-line prefetch pulls in) per stripe: completed, then errors.
    private const int Stride = 16;

    private readonly long[] _counts = new long[Stripes * Stride];

    // Stopwatch timestamp at which the target started its load (the warm-up's first moment); 0 until then.
    private long _loadStarted;

    /// <summary>
    /// When the target started its load, after whatever set-up it needed; null until it says so. The runner times
    /// the warm-up, the measured window and its hang deadline from here, so set-up counts in none of them.
    /// </summary>
    public long? LoadStartedAt => Volatile.Read(ref _loadStarted) is var t and not 0 ? t : null;

    /// <summary>Called by the target once, as its load starts; <paramref name="timestamp"/> is a Stopwatch timestamp.</summary>
    public void MarkLoadStarted(long timestamp) => Volatile.Write(ref _loadStarted, timestamp);

    /// <summary>Connections that finished (request sent, whole response read) so far.</summary>
    public long Completed => Sum(0);

    /// <summary>Connections that failed so far.</summary>
    public long Errors => Sum(1);

    /// <summary>Counts one finished connection; lock-free, from any thread.</summary>
    public void AddCompleted() => Interlocked.Increment(ref _counts[Stripe() + 0]);

    /// <summary>Counts one failed connection; lock-free, from any thread.</summary>
    public void AddError() => Interlocked.Increment(ref _counts[Stripe() + 1]);

    private static int Stripe() => (Thread.GetCurrentProcessorId() & (Stripes - 1)) * Stride;

    private long Sum(int offset)
    {
        long total = 0;
        for (int stripe = 0; stripe < Stripes; stripe++)
        {
            total += Volatile.Read(ref _counts[(stripe * Stride) + offset]);
        }
        return total;
    }
}
