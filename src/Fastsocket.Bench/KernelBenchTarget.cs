namespace Fastsocket.Bench;

/// <summary>
/// The kernel baseline as .NET users run it: the same workload over the operating system's TCP on loopback, with
/// System.Net.Sockets on both ends, doing the stack rows' work in the stack rows' shape (pinned threads per core, a
/// fixed set of workers and loops, no cancellation token per operation, the same exact response check; see
/// <see cref="KernelBenchServer"/> and <see cref="KernelBenchClient"/>). <c>kernel</c> shares one listening socket
/// among the server cores' workers; <c>kernel-reuseport</c> gives each server core its own SO_REUSEPORT listener.
/// <c>kernel-epoll</c> (<see cref="KernelEpoll.EpollBenchTarget"/>) is the same kernel without the managed socket layer.
/// The kernel does not tell us packets per connection (null); drops are the TcpExt ListenDrops the
/// run added, read from /proc where it exists.
/// </summary>
public sealed class KernelBenchTarget : IBenchTarget
{
    /// <summary>The design name of one listening socket shared by all server cores' accept loops.</summary>
    public const string SharedListenerDesign = "kernel";

    /// <summary>The design name of one SO_REUSEPORT listening socket per server core.</summary>
    public const string ReusePortDesign = "kernel-reuseport";

    private readonly bool _reusePort;

    /// <summary>The kernel baseline, with a listener per core when <paramref name="reusePort"/> is true.</summary>
    public KernelBenchTarget(bool reusePort)
    {
        _reusePort = reusePort;
    }

    /// <inheritdoc/>
    public string Design => _reusePort ? ReusePortDesign : SharedListenerDesign;

    /// <inheritdoc/>
    public BenchResult Run(BenchRunSpec spec, BenchProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(progress);

        var dropsBefore = KernelTcpCounters.ReadListenDrops();
        BenchLoadOutcome outcome;
        using (var server = new KernelBenchServer(spec, _reusePort))
        using (var client = new KernelBenchClient(server.EndPoint, spec, progress))
        {
            client.Prime();
            outcome = client.Run(cancellationToken);
        }

        var dropsAfter = KernelTcpCounters.ReadListenDrops();
        long? drops = dropsBefore is { } before && dropsAfter is { } after ? Math.Max(0, after - before) : null;
        return outcome.ToResult(Design, spec, packetsPerConnection: null, drops: drops);
    }
}
