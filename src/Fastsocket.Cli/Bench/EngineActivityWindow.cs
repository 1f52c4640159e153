using System.Diagnostics;
using Fastsocket.Stack;

namespace Fastsocket.Cli.Bench;

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
    private readonly Task<(EngineActivitySnapshot Server, EngineActivitySnapshot Client)?> _start;
    private readonly Task<(EngineActivitySnapshot Server, EngineActivitySnapshot Client)> _end;

    public EngineActivityWindow(FastsocketStack server, FastsocketStack client, long measureStart, long measureEnd)
    {
        _server = server;
        _client = client;
        _start = SnapshotAtAsync(measureStart);
        _end = _start.ContinueWith(async _ =>
        {
            await WaitUntilAsync(measureEnd).ConfigureAwait(false);
            return Snapshot();
        }, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Called when the load has finished: takes the end snapshots now if the window has not closed yet, and returns the shares.</summary>
    public (double? ServerIdle, double? ClientIdle, double? RunQueueWait, long? Sleeps) Finish()
    {
        _runEnded.Cancel();
        (EngineActivitySnapshot Server, EngineActivitySnapshot Client)? start = _start.GetAwaiter().GetResult();
        (EngineActivitySnapshot Server, EngineActivitySnapshot Client) end = _end.GetAwaiter().GetResult();
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

    private async Task<(EngineActivitySnapshot Server, EngineActivitySnapshot Client)?> SnapshotAtAsync(long timestamp)
    {
        await WaitUntilAsync(timestamp).ConfigureAwait(false);
        // A run over before its window opened has nothing to report.
        return _runEnded.IsCancellationRequested && Stopwatch.GetTimestamp() < timestamp ? null : Snapshot();
    }

    private (EngineActivitySnapshot Server, EngineActivitySnapshot Client) Snapshot() =>
        (EngineActivitySnapshot.Take(_server), EngineActivitySnapshot.Take(_client));

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
