namespace Fastsocket.Simulation;

/// <summary>Samples the managed heap once a second on a timer and keeps the peak.</summary>
internal sealed class SoakHeapSampler : IDisposable
{
    private readonly Timer _timer;
    private long _peak;
    private long _last;

    public SoakHeapSampler()
    {
        Sample();
        _timer = new Timer(_ => Sample(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Largest heap seen: the bytes in use (garbage not yet collected included) or the GC's heap size after the last collection, whichever is larger.</summary>
    public long PeakBytes => Interlocked.Read(ref _peak);

    /// <summary>The latest sample.</summary>
    public long LastBytes => Interlocked.Read(ref _last);

    /// <summary>The heap after a forced, blocking, compacting full collection (finalizers run in between).</summary>
    public static long FinalHeapBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    public void Stop() => _timer.Change(Timeout.Infinite, Timeout.Infinite);

    public void Dispose() => _timer.Dispose();

    private void Sample()
    {
        long now = Math.Max(GC.GetTotalMemory(forceFullCollection: false), GC.GetGCMemoryInfo().HeapSizeBytes);
        Interlocked.Exchange(ref _last, now);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
        }
    }
}
