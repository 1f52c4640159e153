using System.Diagnostics;
using System.Net;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Cli.Bench;

/// <summary>
/// The benchmark's load on Fastsocket.NET: Concurrency loops on each client core, each one connection at a time
/// (connect, send the request, read the response to end of stream, close), measured after the warm-up and bounded
/// by the duration and by a hard cap on connections.
/// </summary>
internal sealed class StackBenchClient
{
    private readonly FastsocketStack _stack;
    private readonly IPEndPoint _server;
    private readonly BenchRunSpec _spec;
    private readonly BenchProgress _progress;
    private readonly CancellationToken _stop;
    private readonly BenchLatencyRecorder _latency = new();
    private long _measureStart;
    private long _measureEnd;
    private long _started;
    private long _completed;
    private long _errors;
    private long _totalCompleted;

    public StackBenchClient(FastsocketStack stack, IPEndPoint server, BenchRunSpec spec, BenchProgress progress, CancellationToken stop)
    {
        _stack = stack;
        _server = server;
        _spec = spec;
        _progress = progress;
        _stop = stop;
    }

    /// <summary>Connections completed over the whole run, warm-up included.</summary>
    public long TotalCompleted => Interlocked.Read(ref _totalCompleted);

    public BenchLoadOutcome Run()
    {
        long now = Stopwatch.GetTimestamp();
        _measureStart = now + (long)(_spec.Warmup.TotalSeconds * Stopwatch.Frequency);
        _measureEnd = _measureStart + (long)(_spec.Duration.TotalSeconds * Stopwatch.Frequency);
        var loops = new List<Task>();
        foreach (EngineCore core in _stack.Cores)
        {
            for (int i = 0; i < _spec.Concurrency; i++)
            {
                loops.Add(core.InvokeAsync(Loop).Unwrap());
            }
        }
        TimeSpan limit = _spec.Warmup + _spec.Duration + BenchLoadGenerator.DrainGrace;
        if (!Task.WhenAll(loops).Wait(limit + TimeSpan.FromSeconds(10)))
        {
            Interlocked.Increment(ref _errors);
        }
        double seconds = _spec.Duration.TotalSeconds;
        return new BenchLoadOutcome(Interlocked.Read(ref _completed), Interlocked.Read(ref _errors), seconds, _latency);
    }

    private async Task Loop()
    {
        byte[] buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (t0 >= _measureEnd || Interlocked.Increment(ref _started) > _spec.MaxConnections)
            {
                return;
            }
            bool ok = await OneConnection(buffer);
            long t1 = Stopwatch.GetTimestamp();
            bool measured = t1 >= _measureStart && t1 <= _measureEnd;
            if (ok)
            {
                Interlocked.Increment(ref _totalCompleted);
                _progress.AddCompleted();
                if (measured)
                {
                    Interlocked.Increment(ref _completed);
                    _latency.RecordTicks(t0, t1);
                }
            }
            else
            {
                _progress.AddError();
                if (t1 >= _measureStart)
                {
                    Interlocked.Increment(ref _errors);
                }
            }
        }
    }

    private async ValueTask<bool> OneConnection(byte[] buffer)
    {
        var socket = new FastSocket(_stack) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_server, _stop);
            await socket.SendAsync(_spec.Request, _stop);
            int total = 0;
            int n;
            while ((n = await socket.ReceiveAsync(buffer, _stop)) > 0)
            {
                total += n;
            }
            return total >= _spec.Response.Length;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            socket.Dispose();
        }
    }
}
