using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fastsocket.Bench;

/// <summary>
/// The System.Net.Sockets kernel rows' load, shaped like the stack's (<see cref="StackBenchClient"/>): one pinned
/// thread per client core (<see cref="KernelCoreLoop"/>, on CPUs after the server's), <see cref="BenchRunSpec.Concurrency"/>
/// loops on each, each one connection at a time (connect, send the request, read to end of stream checking every
/// byte with <see cref="ResponseCheck"/>, close), counted per core so no loop writes a counter another core reads.
/// No cancellation token on any operation: a run ends by its clock, and one timer for the whole run closes whatever
/// is still in flight when the drain after the window runs out (or the caller cancels).
/// </summary>
internal sealed class KernelBenchClient : IDisposable
{
    private readonly IPEndPoint _server;
    private readonly BenchRunSpec _spec;
    private readonly BenchProgress _progress;
    private readonly ResponseCheck _check;
    private readonly KernelCoreLoop[] _cores;
    private readonly CoreTally[] _tallies;
    // Each loop's connection in flight, so the one stop timer can close it.
    private readonly Socket?[] _inFlight;
    private volatile bool _stopping;
    private long _measureStart;
    private long _measureEnd;

    /// <param name="server">The kernel bench server's loopback endpoint.</param>
    /// <param name="spec">Supplies the request, the response to expect and the load's shape.</param>
    /// <param name="progress">Live counters.</param>
    public KernelBenchClient(IPEndPoint server, BenchRunSpec spec, BenchProgress progress)
    {
        _server = server;
        _spec = spec;
        _progress = progress;
        _check = new ResponseCheck(spec.Response);
        _cores = new KernelCoreLoop[spec.ClientCores];
        _tallies = new CoreTally[spec.ClientCores];
        _inFlight = new Socket?[spec.ClientLoops];
        for (int core = 0; core < _cores.Length; core++)
        {
            _cores[core] = new KernelCoreLoop(spec.ServerCores + core, $"kernel client {core}");
            _tallies[core] = new CoreTally();
        }
    }

    /// <summary>One untimed connection before the clock starts: proves the server answers exactly and compiles the path.</summary>
    public void Prime()
    {
        var tally = new CoreTally();
        _measureStart = long.MaxValue;
        _measureEnd = long.MaxValue;
        bool finished = _cores[0].Start(() => Loop(0, tally, cap: 1, source: null)).Wait(TimeSpan.FromSeconds(10));
        if (!finished || tally.TotalCompleted != 1)
        {
            CloseInFlight();
            throw new InvalidOperationException("The kernel bench server did not serve a first connection with the exact response expected.");
        }
    }

    /// <summary>The load: warm-up, window, drain; returns what the window measured.</summary>
    public BenchLoadOutcome Run(CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        _measureStart = start + Ticks(_spec.Warmup);
        _measureEnd = _measureStart + Ticks(_spec.Duration);
        _progress.MarkLoadStarted(start);
        long perLoopCap = Math.Max(1, _spec.MaxConnections / _spec.ClientLoops);
        var loops = new Task[_spec.ClientLoops];
        for (int loop = 0; loop < loops.Length; loop++)
        {
            int core = loop / _spec.Concurrency;
            // Loop i connects from 127.0.0.(1 + i mod N): all of 127/8 is loopback, no setup needed.
            IPEndPoint? source = _spec.ClientAddresses > 1
                ? new IPEndPoint(new IPAddress(new byte[] { 127, 0, 0, (byte)(1 + (loop % _spec.ClientAddresses)) }), 0)
                : null;
            int index = loop;
            loops[loop] = _cores[core].Start(() => Loop(index, _tallies[core], perLoopCap, source));
        }

        // One timer and one registration for the whole run: past the drain (or on cancel) whatever is in flight is closed.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(_spec.Warmup + _spec.Duration + BenchLoadGenerator.DrainGrace);
        using (stop.Token.Register(CloseInFlight))
        {
            Task.WaitAll(loops, _spec.Warmup + _spec.Duration + BenchLoadGenerator.DrainGrace + TimeSpan.FromSeconds(10));
        }

        long measured = Math.Clamp(Stopwatch.GetTimestamp(), _measureStart, _measureEnd) - _measureStart;
        var latency = new BenchLatencyRecorder();
        long completed = 0;
        long errors = loops.All(t => t.IsCompleted) ? 0 : 1;
        foreach (CoreTally tally in _tallies)
        {
            completed += tally.Completed;
            errors += tally.Errors;
            latency.Add(tally.Latency);
        }

        // Stopped by the caller: connections cut short then are not failures, as in the other rows.
        if (cancellationToken.IsCancellationRequested)
        {
            errors = 0;
        }

        return new BenchLoadOutcome(completed, errors, (double)measured / Stopwatch.Frequency, latency);
    }

    /// <summary>One connection after another, all in this one method; runs on its core's thread only.</summary>
    private async Task Loop(int index, CoreTally tally, long cap, IPEndPoint? source)
    {
        byte[] buffer = new byte[Math.Clamp(_check.Length + 1, 1024, 64 * 1024)];
        for (long started = 0; started < cap && !_stopping; started++)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (t0 >= _measureEnd)
            {
                return;
            }

            bool ok = false;
            // No NoDelay and no LingerState: each is a setsockopt per connection, and neither changes a packet here
            // (the request is one write on a fresh connection, which Nagle never holds back).
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _inFlight[index] = socket;
            try
            {
                if (source is not null)
                {
                    socket.Bind(source);
                }

                await socket.ConnectAsync(_server);
                int sent = 0;
                while (sent < _spec.Request.Length)
                {
                    sent += await socket.SendAsync(_spec.Request[sent..], SocketFlags.None);
                }

                int received = 0;
                bool exact = true;
                int n;
                while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                {
                    exact &= _check.Continues(received, buffer.AsSpan(0, n));
                    received += n;
                    if (!exact)
                    {
                        break;
                    }
                }

                ok = exact && _check.IsComplete(received);
            }
            catch (Exception)
            {
                // Refused, reset, or closed by the stop timer: a failed connection, whatever the exception.
            }
            finally
            {
                _inFlight[index] = null;
                socket.Dispose();
            }

            long t1 = Stopwatch.GetTimestamp();
            if (ok)
            {
                tally.TotalCompleted++;
                _progress.AddCompleted();
                if (t1 >= _measureStart && t1 <= _measureEnd)
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

    private void CloseInFlight()
    {
        _stopping = true;
        for (int i = 0; i < _inFlight.Length; i++)
        {
            Volatile.Read(ref _inFlight[i])?.Dispose();
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Stops the client cores.</summary>
    public void Dispose()
    {
        foreach (KernelCoreLoop core in _cores)
        {
            core.Dispose();
        }
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
