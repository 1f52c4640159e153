namespace Fastsocket.Cli.Bench;

/// <summary>
/// Live counters a target bumps as it runs (from any thread) and the UI reads to show a rate.
/// Counts include the warmup; the result, not these, is what gets reported.
/// </summary>
public sealed class BenchProgress
{
    private long _completed;
    private long _errors;

    /// <summary>Connections that finished (request sent, whole response read) so far.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Connections that failed so far.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public void AddCompleted() => Interlocked.Increment(ref _completed);

    public void AddError() => Interlocked.Increment(ref _errors);
}
