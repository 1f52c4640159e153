namespace Fastsocket.Bench.KernelEpoll;

/// <summary>
/// The <c>kernel-epoll</c> server: one <see cref="EpollServerLoop"/> per server core, each on its own thread pinned to
/// CPU k (as the stack's engines are), each with its own SO_REUSEPORT listener on one shared loopback port, so the
/// kernel spreads incoming connections over the cores as it does for nginx's workers.
/// </summary>
internal sealed class EpollBenchServer : IDisposable
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);

    private readonly EpollServerLoop[] _loops;
    private readonly Thread[] _threads;
    private bool _disposed;

    /// <summary>Starts <see cref="BenchRunSpec.ServerCores"/> loops, on CPUs <paramref name="firstCpu"/> upwards.</summary>
    public EpollBenchServer(BenchRunSpec spec, int firstCpu = 0, long allocationWarmup = 64)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The kernel-epoll server drives Linux system calls (epoll, accept4, eventfd).");
        }

        _loops = new EpollServerLoop[spec.ServerCores];
        try
        {
            int port = 0;
            for (int core = 0; core < _loops.Length; core++)
            {
                _loops[core] = new EpollServerLoop(port, spec.Response, Math.Max(1024, spec.RequestBytes), firstCpu + core, allocationWarmup);
                port = _loops[core].Port;
            }

            Port = port;
        }
        catch
        {
            foreach (EpollServerLoop? loop in _loops)
            {
                loop?.Dispose();
            }

            throw;
        }

        _threads = new Thread[_loops.Length];
        for (int core = 0; core < _loops.Length; core++)
        {
            EpollServerLoop loop = _loops[core];
            _threads[core] = new Thread(loop.Run) { IsBackground = true, Name = $"epoll server {core}" };
            _threads[core].Start();
        }
    }

    /// <summary>The loopback port every core's listener is bound to.</summary>
    public int Port { get; }

    /// <summary>The per-core loops (for their counters).</summary>
    public IReadOnlyList<EpollServerLoop> Loops => _loops;

    /// <summary>Connections the server failed to serve, all cores.</summary>
    public long Errors => _loops.Sum(loop => loop.Errors);

    /// <summary>Stops every loop (each serves what it holds for a short grace), waits for their threads, closes everything.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (EpollServerLoop loop in _loops)
        {
            loop.RequestStop();
        }

        bool allJoined = true;
        foreach (Thread thread in _threads)
        {
            allJoined &= thread.Join(JoinTimeout);
        }

        // A loop still running would use its descriptors after they were closed (and reused): leave them to the process.
        if (allJoined)
        {
            foreach (EpollServerLoop loop in _loops)
            {
                loop.Dispose();
            }
        }
    }
}
