namespace Fastsocket.Bench;

/// <summary>
/// What one run measured. Latencies are per connection, from the start of connect to the last byte of
/// the response (EOF), in microseconds. Null means the target cannot know (the kernel's packet counts).
/// </summary>
public sealed record BenchResult
{
    /// <summary>The target's design name, as <see cref="IBenchTarget.Design"/>.</summary>
    public required string Design { get; init; }

    /// <summary>Server cores the run used (<see cref="BenchRunSpec.ServerCores"/>).</summary>
    public required int ServerCores { get; init; }

    /// <summary>Client cores the run used (<see cref="BenchRunSpec.ClientCores"/>).</summary>
    public required int ClientCores { get; init; }

    /// <summary>Connections completed inside the measured period.</summary>
    public required long Connections { get; init; }

    /// <summary>Length of the measured period.</summary>
    public required double Seconds { get; init; }

    /// <summary>Median connection latency, in microseconds.</summary>
    public required double P50Us { get; init; }

    /// <summary>99th-percentile connection latency, in microseconds.</summary>
    public required double P99Us { get; init; }

    /// <summary>99.9th-percentile connection latency, in microseconds.</summary>
    public required double P999Us { get; init; }

    /// <summary>Connections that failed (refused, reset, short or malformed response, timed out) during the measured period and the drain after it.</summary>
    public required long Errors { get; init; }

    /// <summary>Packets on the wire per connection, both directions; null when unknown.</summary>
    public double? PacketsPerConnection { get; init; }

    /// <summary>Packets or connections dropped (queue overflows, listen drops); null when unknown.</summary>
    public long? Drops { get; init; }

    /// <summary>
    /// Lock acquisitions on the server's shared tables and listeners per completed connection (base and reuseport pay
    /// them; fastsocket should show 0); null when the target cannot count them (the kernel).
    /// </summary>
    public double? LocksPerConnection { get; init; }

    /// <summary>Packets the server's cores handed to the owning core (software RFD) per completed connection; null when unknown.</summary>
    public double? HandoffsPerConnection { get; init; }

    /// <summary>The drops by reason (server and client stacks together); null when the target cannot tell.</summary>
    public IReadOnlyDictionary<string, long>? DropReasons { get; init; }

    /// <summary>
    /// Managed bytes the whole process (client and server) allocated per connection completed in the measured
    /// window (set-up and warm-up excluded); null when unknown. A shared GC heap is the one thing every core touches.
    /// </summary>
    public double? AllocatedBytesPerConnection { get; init; }

    /// <summary>Share of the measured window the process spent paused for garbage collection (0 to 1); null when unknown.</summary>
    public double? GcPauseShare { get; init; }

    /// <summary>
    /// Share of the measured window the server's engine loops found no work (0 to 1); null for targets without
    /// engines. Near 0: the server cores were saturated. Well above 0: they waited for the clients.
    /// </summary>
    public double? ServerIdleShare { get; init; }

    /// <summary>The same for the client stack's engines, the load generator.</summary>
    public double? ClientIdleShare { get; init; }

    /// <summary>
    /// Share of the measured window the engine threads (server and client) were ready to run but waited for a CPU
    /// (the kernel's run-queue time, Linux); null where unknown. Above 0 the machine had fewer CPUs than busy threads.
    /// </summary>
    public double? EngineRunQueueWaitShare { get; init; }

    /// <summary>
    /// Packets each ring hand-over between a client core and a server core carried, both directions (null without an
    /// in-memory wire). Every hand-over costs a fence and a cache line moving between cores, so fewer packets per
    /// batch means more of that cost per packet.
    /// </summary>
    public double? WirePacketsPerBatch { get; init; }

    /// <summary>
    /// Times an engine (server or client) went to sleep for lack of work, per connection of the measured window; null
    /// without engines. Each sleep is a futex wait, and the core that next hands it work pays for the wake-up.
    /// </summary>
    public double? EngineSleepsPerConnection { get; init; }

    /// <summary>Spoofed SYNs a second injected at the server during the run (0: no flood; the kernel baselines are never flooded in-memory).</summary>
    public int SynFloodPps { get; init; }

    /// <summary>SYN cookies the server sent during the run (its listeners' half-open queues were full); null where unknown (the kernel).</summary>
    public long? SynCookiesSent { get; init; }

    /// <summary>Returning ACKs whose SYN cookie the server validated during the run; null where unknown.</summary>
    public long? SynCookiesValidated { get; init; }

    /// <summary>Connections per second over the measured period.</summary>
    public double Cps => Seconds > 0 ? Connections / Seconds : 0;

    /// <summary>Connections per second per server core.</summary>
    public double PerCoreCps => ServerCores > 0 ? Cps / ServerCores : 0;
}
