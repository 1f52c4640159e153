using Fastsocket.Devices;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>What one engine needs: its address, its device queue, its clock and TCP settings.</summary>
public sealed class EngineOptions
{
    /// <summary>The engine's main address.</summary>
    public required IpAddress LocalAddress { get; init; }

    /// <summary>Further local addresses (see <see cref="StackOptions.AdditionalAddresses"/>).</summary>
    public IReadOnlyList<IpAddress> AdditionalAddresses { get; init; } = [];

    /// <summary>The device queue the engine polls and transmits on.</summary>
    public required IPacketDevice Device { get; init; }

    /// <summary>The clock for timers and timestamps (a <see cref="VirtualClock"/> in tests).</summary>
    public IClock Clock { get; init; } = MonotonicClock.Instance;

    /// <summary>TCP settings for every connection of the engine.</summary>
    public TcpConfig Tcp { get; init; } = new();

    /// <summary>Which core this engine serves (0 for a single-engine stack).</summary>
    public int CoreId { get; init; }

    /// <summary>Key for RFC 6528 ISNs; random when null. Engines of one stack share it so ISNs stay monotonic per 4-tuple.</summary>
    public byte[]? IsnKey { get; init; }

    /// <summary>First and last ephemeral port (Linux ip_local_port_range defaults).</summary>
    public ushort EphemeralPortFirst { get; init; } = StackOptions.DefaultEphemeralPortFirst;

    /// <summary>The last port of the ephemeral range (inclusive).</summary>
    public ushort EphemeralPortLast { get; init; } = StackOptions.DefaultEphemeralPortLast;

    /// <summary>See <see cref="StackOptions.EphemeralPortFilter"/>.</summary>
    public EphemeralPortFilter? EphemeralPortFilter { get; init; }

    /// <summary>Default of <see cref="MaxConnections"/>: generous, a bound on memory rather than a tuning knob.</summary>
    public const int DefaultMaxConnections = 1 << 20;

    /// <summary>Default of <see cref="ReceiveMemoryBudget"/>: 1 GiB.</summary>
    public const long DefaultReceiveMemoryBudget = 1L << 30;

    /// <summary>
    /// Most connections (half-open and established; TIME-WAIT records are bounded by TcpConfig.MaxTimeWaitRecords)
    /// this engine holds. At the limit a new SYN is dropped (DropReason.ConnectionLimit) and Connect fails with
    /// SocketError.NoBufferSpaceAvailable, as ENOBUFS.
    /// </summary>
    public int MaxConnections { get; init; } = DefaultMaxConnections;

    /// <summary>
    /// Bytes this engine's connections may hold in receive buffers (unread and out-of-order data) before their
    /// windows stop growing. A soft limit: data inside windows already announced is always accepted.
    /// </summary>
    public long ReceiveMemoryBudget { get; init; } = DefaultReceiveMemoryBudget;

    /// <summary>Whether the device is a loopback device: only there may packets come from 127.0.0.0/8 or from our own addresses.</summary>
    public bool IsLoopback { get; init; }

    /// <summary>128-bit key for SYN cookies; random when null. Engines of one stack share it, so any core can check a cookie another core sent.</summary>
    public byte[]? SynCookieKey { get; init; }

    /// <summary>ICMP echo replies per second this engine sends (Linux icmp_msgs_per_sec).</summary>
    public int IcmpRepliesPerSecond { get; init; } = StackOptions.DefaultIcmpRepliesPerSecond;

    /// <summary>Most ICMP echo replies this engine sends at once (Linux icmp_msgs_burst).</summary>
    public int IcmpReplyBurst { get; init; } = StackOptions.DefaultIcmpReplyBurst;

    /// <summary>Seed for port randomization; random when null (tests pass one for determinism).</summary>
    public int? RandomSeed { get; init; }
}
