using System.Diagnostics;
using System.Net;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Bench;

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
    private readonly ResponseCheck _check;
    private readonly CancellationToken _stop;
    private readonly CoreTally[] _tallies;
    private long _measureStart;
    private long _measureEnd;

    public StackBenchClient(FastsocketStack stack, IPEndPoint server, BenchRunSpec spec, BenchProgress progress, CancellationToken stop)
    {
        _stack = stack;
        _server = server;
        _spec = spec;
        _progress = progress;
        _check = new ResponseCheck(spec.Response);
        _stop = stop;
        _tallies = new CoreTally[stack.CoreCount];
        foreach (EngineCore core in stack.Cores)
        {
            // Made by the core that writes it: tallies made here in a row would sit side by side, and each core's
            // counts, bumped on every connection, would share cache lines with its neighbour's.
            _tallies[core.CoreId] = core.InvokeAsync(static () => new CoreTally()).GetAwaiter().GetResult();
        }
    }

    /// <summary>Connections completed over the whole run, warm-up included.</summary>
    public long TotalCompleted => _tallies.Sum(t => Volatile.Read(ref t.TotalCompleted));

    /// <summary>Stopwatch timestamp at which the measured window opens; set when <see cref="Run"/> starts.</summary>
    public long MeasureStart => _measureStart;

    /// <summary>Stopwatch timestamp at which the measured window closes.</summary>
    public long MeasureEnd => _measureEnd;

    /// <summary>Sets the measured window from now: warm-up first, then the duration.</summary>
    public void OpenWindow()
    {
        long now = Stopwatch.GetTimestamp();
        _measureStart = now + (long)(_spec.Warmup.TotalSeconds * Stopwatch.Frequency);
        _measureEnd = _measureStart + (long)(_spec.Duration.TotalSeconds * Stopwatch.Frequency);
        _progress.MarkLoadStarted(now);
    }

    /// <summary>Runs the load over the window <see cref="OpenWindow"/> set (opening it now if it was not).</summary>
    public BenchLoadOutcome Run()
    {
        if (_measureStart == 0)
        {
            OpenWindow();
        }
        // The cap on connections, shared out between the loops so that no loop needs a counter another core writes.
        long perLoopCap = Math.Max(1, _spec.MaxConnections / _spec.ClientLoops);
        var loops = new List<Task>();
        IPAddress[] sources = [_stack.LocalAddress.ToIPAddress(), .. _stack.Options.AdditionalAddresses.Select(a => a.ToIPAddress())];
        int loopIndex = 0;
        foreach (EngineCore core in _stack.Cores)
        {
            CoreTally tally = _tallies[core.CoreId];
            for (int i = 0; i < _spec.Concurrency; i++)
            {
                // Loops take the client's addresses in turn, so each address brings its own ports to the server port.
                IPAddress source = sources[loopIndex++ % sources.Length];
                loops.Add(core.InvokeAsync(() => Loop(tally, perLoopCap, source)).Unwrap());
            }
        }
        TimeSpan limit = _spec.Warmup + _spec.Duration + BenchLoadGenerator.DrainGrace;
        bool finished = Task.WhenAll(loops).Wait(limit + TimeSpan.FromSeconds(10));
        // Shorter than the duration when the loops reached --max-connections before the clock ran out.
        long measured = Math.Clamp(Stopwatch.GetTimestamp(), _measureStart, _measureEnd) - _measureStart;
        var latency = new BenchLatencyRecorder();
        long completed = 0;
        long errors = finished ? 0 : 1;
        foreach (CoreTally tally in _tallies)
        {
            completed += Volatile.Read(ref tally.Completed);
            errors += Volatile.Read(ref tally.Errors);
            latency.Add(tally.Latency);
        }
        return new BenchLoadOutcome(completed, errors, (double)measured / Stopwatch.Frequency, latency);
    }

    /// <summary>
    /// One connection after another, all in this one method so its state machine is made once per loop, not once
    /// per connection. Runs on its core's thread only, so its tally needs no atomics.
    /// </summary>
    private async Task Loop(CoreTally tally, long cap, IPAddress source)
    {
        byte[] buffer = new byte[4096];
        // One socket per loop, reconnected after Disconnect(reuseSocket: true): nothing allocated per connection.
        FastSocket socket = NewSocket(source);
        try
        {
            for (long started = 0; started < cap && !_stop.IsCancellationRequested; started++)
            {
                long t0 = Stopwatch.GetTimestamp();
                if (t0 >= _measureEnd)
                {
                    return;
                }
                bool ok = false;
                // No cancellation token per operation: each registration would take the token's lock, which every
                // core shares. A run ends by its clock; the server answers every connection it accepted.
                try
                {
                    await socket.ConnectAsync(_server);
                    await socket.SendAsync(_spec.Request);
                    int total = 0;
                    bool exact = true;
                    int n;
                    while ((n = await socket.ReceiveAsync(buffer)) > 0)
                    {
                        // The same check as every other row's client: the exact bytes, then the end of the stream.
                        exact &= _check.Continues(total, buffer.AsSpan(0, n));
                        total += n;
                    }
                    ok = exact && _check.IsComplete(total);
                }
                catch (System.Net.Sockets.SocketException)
                {
                }
                finally
                {
                    if (socket.Connected || ok)
                    {
                        await socket.DisconnectAsync(reuseSocket: true);
                    }
                }
                if (!ok)
                {
                    // A failed connection may leave the socket half set up; start the next one afresh.
                    socket.Dispose();
                    socket = NewSocket(source);
                }

                long t1 = Stopwatch.GetTimestamp();
                bool measured = t1 >= _measureStart && t1 <= _measureEnd;
                if (ok)
                {
                    tally.TotalCompleted++;
                    _progress.AddCompleted();
                    if (measured)
                    {
                        tally.Completed++;
                        tally.Latency.RecordTicks(t0, t1);
                    }
                }
                else
                {
                    _progress.AddError();
                    if (t1 >= _measureStart)
                    {
                        tally.Errors++;
                    }
                }
            }
        }
        finally
        {
            socket.Dispose();
        }
    }

    private FastSocket NewSocket(IPAddress source)
    {
        var socket = new FastSocket(_stack) { NoDelay = true };
        socket.Bind(new IPEndPoint(source, 0));
        return socket;
    }

    /// <summary>What one client core counted; written by that core's thread only, read once the loops are done.</summary>
    private sealed class CoreTally
    {
        public long TotalCompleted;
        public long Completed;
        public long Errors;
        public readonly BenchLatencyRecorder Latency = new();
    }
}
