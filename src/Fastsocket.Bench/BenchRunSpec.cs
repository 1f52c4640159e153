namespace Fastsocket.Bench;

/// <summary>
/// What one measurement runs: how many server and client cores, for how long, how many connections
/// each client core keeps in flight, and the exact bytes of request and response (built once here so
/// every target sends the same ones).
/// </summary>
public sealed class BenchRunSpec
{
    /// <summary>Default for <c>--request-bytes</c>: the bare request plus a short pad header.</summary>
    public const int DefaultRequestBytes = 64;

    /// <summary>Default for <c>--response-bytes</c>: the paper's 64-byte body.</summary>
    public const int DefaultResponseBytes = 64;

    /// <summary>Default for <c>--concurrency</c>: connections in flight per client core.</summary>
    public const int DefaultConcurrency = 64;

    /// <summary>Default cap on connections per run: above what 16 cores reach in a five-minute run (2M a second).</summary>
    public const long DefaultMaxConnections = 1_000_000_000;

    /// <summary>A run's shape; the request and response bytes are built here, once.</summary>
    /// <param name="serverCores">Server cores, at least 1.</param>
    /// <param name="clientCores">Client cores, at least 1.</param>
    /// <param name="duration">The measured period, positive; 5 s when null.</param>
    /// <param name="warmup">The unmeasured period before it, not negative; 1 s when null.</param>
    /// <param name="concurrency">Connections in flight per client core, at least 1.</param>
    /// <param name="requestBytes">The whole request's size in bytes, headers included; at least the bare request's.</param>
    /// <param name="responseBytes">The response body's size in bytes, not negative.</param>
    /// <param name="maxConnections">Stops the run after this many connections, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside the range given above.</exception>
    public BenchRunSpec(
        int serverCores = 1,
        int clientCores = 1,
        TimeSpan? duration = null,
        TimeSpan? warmup = null,
        int concurrency = DefaultConcurrency,
        int requestBytes = DefaultRequestBytes,
        int responseBytes = DefaultResponseBytes,
        long maxConnections = DefaultMaxConnections)
        : this(serverCores, clientCores, duration ?? TimeSpan.FromSeconds(5), warmup ?? TimeSpan.FromSeconds(1),
            concurrency, maxConnections, BenchMessages.BuildRequest(requestBytes), BenchMessages.BuildResponse(responseBytes),
            responseBytes)
    {
    }

    private BenchRunSpec(int serverCores, int clientCores, TimeSpan duration, TimeSpan warmup, int concurrency,
        long maxConnections, byte[] request, byte[] response, int responseBodyBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(serverCores, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(clientCores, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(warmup, TimeSpan.Zero);

        ServerCores = serverCores;
        ClientCores = clientCores;
        Duration = duration;
        Warmup = warmup;
        Concurrency = concurrency;
        MaxConnections = maxConnections;
        RequestBytes = request.Length;
        ResponseBytes = responseBodyBytes;
        Request = request;
        Response = response;
    }

    /// <summary>Server cores (accept loops, listeners or stack partitions, depending on the target).</summary>
    public int ServerCores { get; }

    /// <summary>Client cores; each runs <see cref="Concurrency"/> connection loops.</summary>
    public int ClientCores { get; }

    /// <summary>The measured period, after <see cref="Warmup"/>.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Run before measuring; its connections and latencies are not counted.</summary>
    public TimeSpan Warmup { get; }

    /// <summary>Connections in flight per client core.</summary>
    public int Concurrency { get; }

    /// <summary>Total connection loops: <see cref="ClientCores"/> × <see cref="Concurrency"/>.</summary>
    public int ClientLoops => ClientCores * Concurrency;

    /// <summary>Hard cap on connections a run starts (warmup included), whatever the duration.</summary>
    public long MaxConnections { get; }

    /// <summary>Established connections held idle on the server while the load runs (stack designs only).</summary>
    public int IdleConnections { get; init; }

    /// <summary>Source addresses the client loops bind to in turn (1: the client's one address).</summary>
    public int ClientAddresses { get; init; } = 1;

    /// <summary>
    /// Fastsocket.NET targets: client core i opens its connections only from source ports that the server NIC's RSS
    /// steers to server core i mod the server cores, so each core pair shares one ring each way (see
    /// <see cref="StackBenchTarget"/>). False: ports as the stack picks them, spread over every server core.
    /// </summary>
    public bool PairedCores { get; init; }

    /// <summary>
    /// Fastsocket.NET targets: spoofed SYNs a second injected into the server's receive path during warm-up and
    /// measurement (sources in 198.19.0.0/16, random ports, aimed at the bench's server port); 0: no flood.
    /// </summary>
    public int SynFloodPps { get; init; }

    /// <summary>Length of <see cref="Request"/> in bytes.</summary>
    public int RequestBytes { get; }

    /// <summary>Size of the response <em>body</em> in bytes (the response itself adds its header).</summary>
    public int ResponseBytes { get; }

    /// <summary>The exact request every client connection sends.</summary>
    public ReadOnlyMemory<byte> Request { get; }

    /// <summary>The exact response (header and body) the server sends before it closes.</summary>
    public ReadOnlyMemory<byte> Response { get; }

    /// <summary>This spec with other server and client core counts; the messages are shared, not rebuilt.</summary>
    public BenchRunSpec WithCores(int serverCores, int clientCores) =>
        new(serverCores, clientCores, Duration, Warmup, Concurrency, MaxConnections,
            Request.ToArray(), Response.ToArray(), ResponseBytes)
        {
            IdleConnections = IdleConnections,
            ClientAddresses = ClientAddresses,
            PairedCores = PairedCores,
            SynFloodPps = SynFloodPps,
        };

    /// <summary>This spec with a SYN flood of <paramref name="pps"/> spoofed SYNs a second (0: none).</summary>
    public BenchRunSpec WithSynFlood(int pps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pps);
        return new(ServerCores, ClientCores, Duration, Warmup, Concurrency, MaxConnections,
            Request.ToArray(), Response.ToArray(), ResponseBytes)
        {
            IdleConnections = IdleConnections,
            ClientAddresses = ClientAddresses,
            PairedCores = PairedCores,
            SynFloodPps = pps,
        };
    }
}
