using System.Diagnostics;

namespace Fastsocket.Bench;

/// <summary>
/// The client side every target shares: <see cref="BenchRunSpec.ClientLoops"/> loops, each running
/// one connection after another through the target's <c>connectOnce</c> (connect, send the request,
/// read the response to EOF, close), until warmup plus duration have passed or the connection cap is
/// reached. Only connections that finish inside the measured window count and have their latency
/// recorded; failures count from the start of that window on, including the drain after it.
/// </summary>
public static class BenchLoadGenerator
{
    /// <summary>How long in-flight connections get, after the window closes, before they are cancelled and counted as errors.</summary>
    public static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan PrimeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// One untimed connection before the clock starts: it proves <paramref name="server"/> answers, and it
    /// JIT-compiles both ends' paths, which on a busy machine can otherwise eat a short run's whole measured window.
    /// </summary>
    public static async Task PrimeAsync(Func<CancellationToken, ValueTask> connectOnce, string server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connectOnce);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PrimeTimeout);
        try
        {
            await connectOnce(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{server} did not serve a first connection: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Drives the load; <paramref name="connectOnce"/> gets the loop index (0 to ClientLoops - 1, so
    /// loop / Concurrency is its client core) and a token that fires at the hard stop, and must throw
    /// when the connection fails.
    /// </summary>
    public static async Task<BenchLoadOutcome> RunAsync(
        BenchRunSpec spec,
        BenchProgress progress,
        Func<int, CancellationToken, ValueTask> connectOnce,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(connectOnce);

        var latency = new BenchLatencyRecorder();
        long started = 0;
        long completed = 0;
        long errors = 0;

        var start = Stopwatch.GetTimestamp();
        progress.MarkLoadStarted(start);
        var measureStart = start + ToTicks(spec.Warmup);
        var measureEnd = measureStart + ToTicks(spec.Duration);

        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hardStop.CancelAfter(spec.Warmup + spec.Duration + DrainGrace);
        var stopToken = hardStop.Token;

        async Task Loop(int loop)
        {
            // Start each loop on the thread pool so a target whose connectOnce completes synchronously
            // cannot run the whole load on the caller's thread.
            await Task.Yield();
            while (!cancellationToken.IsCancellationRequested)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= measureEnd || Interlocked.Increment(ref started) > spec.MaxConnections)
                {
                    return;
                }

                bool ok;
                try
                {
                    await connectOnce(loop, stopToken).ConfigureAwait(false);
                    ok = true;
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    ok = false;
                }

                var t1 = Stopwatch.GetTimestamp();
                if (ok)
                {
                    progress.AddCompleted();
                    if (t1 >= measureStart && t1 <= measureEnd)
                    {
                        Interlocked.Increment(ref completed);
                        latency.RecordTicks(t0, t1);
                    }
                }
                else
                {
                    progress.AddError();
                    if (t1 >= measureStart)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }
        }

        var loops = new Task[spec.ClientLoops];
        for (var i = 0; i < loops.Length; i++)
        {
            loops[i] = Loop(i);
        }

        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled by the caller: report what was measured so far.
        }

        var end = Stopwatch.GetTimestamp();
        // Shorter than the duration when the run was cancelled or reached --max-connections early.
        var measured = Math.Clamp(end, measureStart, measureEnd) - measureStart;
        var seconds = (double)measured / Stopwatch.Frequency;
        return new BenchLoadOutcome(Interlocked.Read(ref completed), Interlocked.Read(ref errors), seconds, latency);
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
