using System.Net;
using System.Net.Sockets;

namespace Fastsocket.Bench;

/// <summary>
/// The kernel baseline: the same workload over the operating system's TCP on loopback, with
/// System.Net.Sockets on both ends. <c>kernel</c> shares one listening socket among the server cores'
/// accept loops; <c>kernel-reuseport</c> gives each server core its own SO_REUSEPORT listener.
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
        {
            var clients = new KernelBenchClient[spec.ClientLoops];
            for (var i = 0; i < clients.Length; i++)
            {
                // Loop i connects from 127.0.0.(1 + i mod N): all of 127/8 is loopback, no setup needed.
                IPAddress? source = spec.ClientAddresses > 1 ? new IPAddress(new byte[] { 127, 0, 0, (byte)(1 + (i % spec.ClientAddresses)) }) : null;
                clients[i] = new KernelBenchClient(server.EndPoint, spec, source);
            }

            BenchLoadGenerator.PrimeAsync(clients[0].RunOnceAsync, "The kernel bench server", cancellationToken)
                .GetAwaiter().GetResult();

            outcome = BenchLoadGenerator
                .RunAsync(spec, progress, (loop, token) => clients[loop].RunOnceAsync(token), cancellationToken)
                .GetAwaiter().GetResult();
        }

        var dropsAfter = KernelTcpCounters.ReadListenDrops();
        long? drops = dropsBefore is { } before && dropsAfter is { } after ? Math.Max(0, after - before) : null;
        return outcome.ToResult(Design, spec, packetsPerConnection: null, drops: drops);
    }
}
