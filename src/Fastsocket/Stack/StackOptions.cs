using Fastsocket.Devices;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>How to build a <see cref="FastsocketStack"/>: the design, the cores, the device and the address.</summary>
public sealed class StackOptions
{
    /// <summary>Which design the stack follows: base, reuseport or fastsocket.</summary>
    public StackDesign Design { get; init; } = StackDesign.Fastsocket;

    /// <summary>
    /// The mechanisms the stack uses; null (the default) takes those of <see cref="Design"/>. Set it to run one of the
    /// ablation's designs, such as base with only the Local Listen Table (<see cref="StackDesigns"/>).
    /// </summary>
    public StackMechanisms? Mechanisms { get; init; }

    /// <summary>The mechanisms in force: <see cref="Mechanisms"/>, or those of <see cref="Design"/>.</summary>
    internal StackMechanisms EffectiveMechanisms => Mechanisms ?? StackDesigns.MechanismsOf(Design);

    /// <summary>Number of engine cores; the device must have at least this many queues.</summary>
    public int Cores { get; init; } = Environment.ProcessorCount;

    /// <summary>The stack's main address.</summary>
    public required IpAddress LocalAddress { get; init; }

    /// <summary>
    /// Further addresses this host answers to and may connect from. A load generator binds its sockets to them in
    /// turn: each address brings its own ephemeral ports towards every server port, as when Linux clients add IPs.
    /// </summary>
    public IReadOnlyList<IpAddress> AdditionalAddresses { get; init; } = [];

    /// <summary>The multi-queue device; one core per queue.</summary>
    public required IMultiQueueDevice Device { get; init; }

    /// <summary>TCP settings for every connection.</summary>
    public TcpConfig Tcp { get; init; } = new();

    /// <summary>The clock for timers and timestamps.</summary>
    public IClock Clock { get; init; } = MonotonicClock.Instance;

    /// <summary>
    /// Pin engine thread k with sched_setaffinity, on Linux, to the (FirstCpu + k)-th of the CPUs the process may run on
    /// (taskset, a cpuset), wrapping around: with <c>taskset -c 2,3</c>, core 0 on CPU 2 and core 1 on CPU 3.
    /// </summary>
    public bool PinThreads { get; init; } = true;

    /// <summary>Where among the allowed CPUs (counted from 0) the first core's thread is pinned; see <see cref="PinThreads"/>.</summary>
    public int FirstCpu { get; init; }

    /// <summary>Packets taken from the device per poll.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// First port of the ephemeral range (any range works: Receive Flow Deliver gives core k the ports p with
    /// p &amp; (2^ceil(log2 Cores) - 1) == k). The stack refuses a range that leaves some core fewer than
    /// <see cref="MinEphemeralPortsPerCore"/> ports.
    /// </summary>
    public ushort EphemeralPortFirst { get; init; } = DefaultEphemeralPortFirst;

    /// <summary>The last port of the ephemeral range (inclusive).</summary>
    public ushort EphemeralPortLast { get; init; } = DefaultEphemeralPortLast;

    /// <summary>The fewest ephemeral ports a core may get from the range (in the fastsocket design each core has its own share).</summary>
    public const int MinEphemeralPortsPerCore = 64;

    /// <summary>
    /// Most connections the stack holds (half-open and established), shared out evenly over the cores: each engine
    /// takes at most ceil(MaxConnections / Cores). At a core's limit a SYN is dropped (DropReason.ConnectionLimit) and
    /// Connect fails with SocketError.NoBufferSpaceAvailable.
    /// </summary>
    public int MaxConnections { get; init; } = EngineOptions.DefaultMaxConnections;

    /// <summary>
    /// Bytes all connections of the stack may hold in receive buffers before windows stop growing, shared out evenly
    /// over the cores (see <see cref="EngineOptions.ReceiveMemoryBudget"/>).
    /// </summary>
    public long ReceiveMemoryBudget { get; init; } = EngineOptions.DefaultReceiveMemoryBudget;

    /// <summary>Linux's default ip_local_port_range.</summary>
    public const ushort DefaultEphemeralPortFirst = 32768;

    /// <summary>The default last ephemeral port (Linux's ip_local_port_range).</summary>
    public const ushort DefaultEphemeralPortLast = 60999;

    /// <summary>
    /// When set, ephemeral ports it refuses are skipped (as ports in use are). Null, the default, leaves the walk as
    /// RFC 6056 algorithm 4 and Receive Flow Deliver make it.
    /// </summary>
    public EphemeralPortFilter? EphemeralPortFilter { get; init; }

    /// <summary>Program the device's steering table for Receive Flow Deliver when it has one (fastsocket design).</summary>
    public bool UseDeviceSteering { get; init; } = true;

    /// <summary>A seed for the ephemeral port selector, for reproducible runs; random when null.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>Key for RFC 6528 ISNs shared by the cores; random when null (tests pass one for determinism).</summary>
    public byte[]? IsnKey { get; init; }

    /// <summary>Key for SYN cookies shared by the cores (16 bytes); random when null (tests pass one to check cookies).</summary>
    public byte[]? SynCookieKey { get; init; }

    /// <summary>
    /// Whether the device is a loopback device. Off (the default, right for TUN and the in-memory links), packets from
    /// 127.0.0.0/8 or from one of our own addresses are dropped as martian or land attacks (RFC 1122 3.2.1.3).
    /// </summary>
    public bool IsLoopback { get; init; }

    /// <summary>ICMP echo replies per second each core sends (Linux icmp_msgs_per_sec).</summary>
    public int IcmpRepliesPerSecond { get; init; } = DefaultIcmpRepliesPerSecond;

    /// <summary>Most ICMP echo replies each core sends at once (Linux icmp_msgs_burst).</summary>
    public int IcmpReplyBurst { get; init; } = DefaultIcmpReplyBurst;

    /// <summary>Linux's icmp_msgs_per_sec.</summary>
    public const int DefaultIcmpRepliesPerSecond = 1000;

    /// <summary>Linux's icmp_msgs_burst.</summary>
    public const int DefaultIcmpReplyBurst = 50;

    /// <summary>A name for logs and thread names.</summary>
    public string Name { get; init; } = "fastsocket";
}
