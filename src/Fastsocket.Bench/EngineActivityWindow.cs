using System.Diagnostics;
using Fastsocket.Stack;

namespace Fastsocket.Bench;

/// <summary>
/// Snapshots of the server's and client's engine activity at the start and end of the measured window, taken on a
/// thread-pool thread while the load runs. The run may end before the window does (a connection cap); then the end
/// snapshots are taken when it ends.
/// </summary>
internal sealed class EngineActivityWindow
{
    private readonly FastsocketStack _server;
    private readonly FastsocketStack _client;
    private readonly CancellationTokenSource _runEnded = new();
    private readonly Task<(Pair? Start, Pair End)> _sampling;

    public EngineActivityWindow(FastsocketStack server, FastsocketStack client, long measureStart, long measureEnd)
    {
        _server = server;
        _client = client;
        _sampling = SampleAsync(measureStart, measureEnd);
    }

    /// <summary>Called when the load has finished: takes the end snapshots now if the window has not closed yet, and returns the shares.</summary>
    public (double? ServerIdle, double? ClientIdle, double? RunQueueWait, long? Sleeps) Finish()
    {
        _runEnded.Cancel();
        var (start, end) = _sampling.GetAwaiter().GetResult();
        if (start is not { } s)
        {
            return (null, null, null, null);
        }
        double? serverWait = EngineActivitySnapshot.RunQueueWaitShare(s.Server, end.Server);
        double? clientWait = EngineActivitySnapshot.RunQueueWaitShare(s.Client, end.Client);
        double? wait = serverWait is { } a && clientWait is { } b
            ? Math.Round(((a * s.Server.Threads) + (b * s.Client.Threads)) / (s.Server.Threads + s.Client.Threads), 4)
            : null;
        long sleeps = end.Server.Sleeps - s.Server.Sleeps + end.Client.Sleeps - s.Client.Sleeps;
        return (EngineActivitySnapshot.IdleShare(s.Server, end.Server), EngineActivitySnapshot.IdleShare(s.Client, end.Client), wait, sleeps);
    }

    private async Task<(Pair? Start, Pair End)> SampleAsync(long measureStart, long measureEnd)
    {
        await WaitUntilAsync(measureStart).ConfigureAwait(false);
        // A run over before its window opened has nothing to report.
        Pair? start = _runEnded.IsCancellationRequested && Stopwatch.GetTimestamp() < measureStart ? null : Snapshot();
        await WaitUntilAsync(measureEnd).ConfigureAwait(false);
        return (start, Snapshot());
    }

    private Pair Snapshot() => new(EngineActivitySnapshot.Take(_server), EngineActivitySnapshot.Take(_client));

    /// <summary>Both stacks' snapshots, taken together.</summary>
    private readonly record struct Pair(EngineActivitySnapshot Server, EngineActivitySnapshot Client);

    private async Task WaitUntilAsync(long timestamp)
    {
        TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait <= TimeSpan.Zero)
        {
            return;
        }
        try
        {
            await Task.Delay(wait, _runEnded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
