using System.Diagnostics;

namespace Fastsocket.Bench.KernelEpoll;

/// <summary>
/// <c>kernel-epoll</c>: the strongest kernel baseline this bench can write in C#, built the way nginx is. Each server
/// core is one pinned thread with its own epoll instance and SO_REUSEPORT listener, driving non-blocking sockets with
/// raw system calls (<see cref="EpollBenchServer"/>); each client core likewise (<see cref="EpollClientLoop"/>). No
/// task, socket object or buffer is made per connection on either side, so the row measures the kernel's TCP and
/// system calls, not the managed socket layer. Packets per connection are unknown (null); drops are the kernel's
/// ListenDrops over the run.
/// </summary>
public sealed class EpollBenchTarget : IBenchTarget
{
    /// <summary>The design name.</summary>
    public const string DesignName = "kernel-epoll";

    private static readonly TimeSpan JoinGrace = TimeSpan.FromSeconds(10);

    /// <inheritdoc/>
    public string Design => DesignName;

    /// <inheritdoc/>
    public BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(progress);
        long? dropsBefore = KernelTcpCounters.ReadListenDrops();
        BenchLoadOutcome outcome;
        using (var server = new EpollBenchServer(spec))
        {
            Prime(server.Port, spec);
            outcome = Load(server.Port, spec, progress, firstCpu: spec.ServerCores, cancellationToken);
        }

        long? dropsAfter = KernelTcpCounters.ReadListenDrops();
        long? drops = dropsBefore is { } before && dropsAfter is { } after ? Math.Max(0, after - before) : null;
        return outcome.ToResult(Design, spec, packetsPerConnection: null, drops: drops);
    }

    /// <summary>
    /// One untimed connection to 127.0.0.1:<paramref name="port"/> before the clock starts, through the same client
    /// code: it proves the server answers exactly and compiles the client's path.
    /// </summary>
    internal static void Prime(int port, BenchRunSpec spec, ResponseCheck? check = null, string server = "The kernel-epoll server")
    {
        using var loop = new EpollClientLoop(port, spec, firstLoop: 0, cpu: spec.ServerCores, cap: 1, progress: null, slots: 1, check: check);
        long now = Stopwatch.GetTimestamp();
        var thread = new Thread(() => loop.Run(0, long.MaxValue, now + (10 * Stopwatch.Frequency))) { IsBackground = true };
        thread.Start();
        thread.Join();
        if (loop.TotalCompleted != 1)
        {
            throw new InvalidOperationException($"{server} did not serve a first connection with the exact response expected.");
        }
    }

    /// <summary>
    /// The load on 127.0.0.1:<paramref name="port"/>: <see cref="BenchRunSpec.ClientCores"/> epoll loops on threads
    /// pinned to CPUs <paramref name="firstCpu"/> upwards, over warm-up, window and drain; also the nginx row's client.
    /// </summary>
    internal static BenchLoadOutcome Load(int port, BenchRunSpec spec, BenchProgress progress, int firstCpu, CancellationToken cancellationToken,
        ResponseCheck? check = null)
    {
        // The cap on connections, shared out between the loops as the stack's client does.
        long perLoopCap = Math.Max(1, spec.MaxConnections / spec.ClientLoops);
        var loops = new EpollClientLoop[spec.ClientCores];
        try
        {
            for (int core = 0; core < loops.Length; core++)
            {
                loops[core] = new EpollClientLoop(port, spec, core * spec.Concurrency, firstCpu + core, perLoopCap * spec.Concurrency, progress,
                    check: check);
            }

            long start = Stopwatch.GetTimestamp();
            long measureStart = start + Ticks(spec.Warmup);
            long measureEnd = measureStart + Ticks(spec.Duration);
            long hardStop = measureEnd + Ticks(BenchLoadGenerator.DrainGrace);
            progress.MarkLoadStarted(start);
            var threads = new Thread[loops.Length];
            for (int core = 0; core < loops.Length; core++)
            {
                EpollClientLoop loop = loops[core];
                threads[core] = new Thread(() => loop.Run(measureStart, measureEnd, hardStop)) { IsBackground = true, Name = $"epoll client {core}" };
                threads[core].Start();
            }

            // One registration for the whole run, not one per operation: cancelling wakes every loop's eventfd.
            using (cancellationToken.Register(() => Array.ForEach(loops, loop => loop.RequestStop())))
            {
                foreach (Thread thread in threads)
                {
                    if (!thread.Join(spec.Warmup + spec.Duration + BenchLoadGenerator.DrainGrace + JoinGrace))
                    {
                        throw new InvalidOperationException("A kernel-epoll client loop did not finish after its drain.");
                    }
                }
            }

            long end = Stopwatch.GetTimestamp();
            long measured = Math.Clamp(end, measureStart, measureEnd) - measureStart;
            var latency = new BenchLatencyRecorder();
            foreach (EpollClientLoop loop in loops)
            {
                latency.Add(loop.Latency);
            }

            return new BenchLoadOutcome(loops.Sum(l => l.Completed), loops.Sum(l => l.Errors), (double)measured / Stopwatch.Frequency, latency);
        }
        finally
        {
            foreach (EpollClientLoop? loop in loops)
            {
                loop?.Dispose();
            }
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
