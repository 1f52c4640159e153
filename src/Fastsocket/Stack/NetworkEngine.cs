using System.Runtime.CompilerServices;
using Fastsocket.Devices;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// One per-core instance of the stack: it owns a device queue, its connection table, listeners, TIME-WAIT
/// records, timers and pools. Everything here runs on the engine's own thread and takes no lock: this is the
/// "local established table" of Fastsocket. <see cref="Poll"/> runs one batch: receive, timers, then one flush of
/// every connection that has something to send, so ACKs and data of a batch leave together.
/// </summary>
public sealed partial class NetworkEngine : IPacketReceiver, ITcpHost
{
    private const int DefaultBatch = 64;

    private readonly IPacketDevice _device;
    private readonly IClock _clock;
    private readonly byte[] _transmitBuffer;
    private readonly Dictionary<FlowKey, TcpConnection> _connections = new(1024);
    private readonly Dictionary<ushort, Listener> _listeners = new();
    private readonly TimeWaitTable _timeWait;
    private readonly IsnGenerator _isn;
    private readonly TimerWheel _timers;
    private readonly Stack<TcpConnection> _pool = new(4096);
    private readonly EphemeralPortSelector _ports;
    private readonly IpAddress[] _additionalAddresses;
    private readonly EphemeralPortFilter? _portFilter;
    private TcpConnection[] _flushList = new TcpConnection[256];
    private int _flushCount;
    private TcpConnection[] _endOfTurnAcks = new TcpConnection[64];
    private int _endOfTurnAckCount;
    private long _now;
    private ushort _ipIdentification;
    private readonly bool _receiveFlowDeliver;
    private readonly SharedConnectionTable? _shared;
    private readonly bool _sharedHoldsActiveOnly;
    private readonly SharedSocketVfs? _files;
    private int _ownedConnections;
    private bool _fromHandoff;
    private readonly bool _deviceIsLoopback;
    private readonly SynCookieCodec _cookies;

    // Per-engine (so per-core) replies to traffic that matches no connection. Each is mutated in place on its field.
    private TokenBucket _resetBucket;
    private TokenBucket _timeWaitAckBucket;
    private TokenBucket _icmpBucket;

    /// <summary>A standalone engine (not a core of a <see cref="FastsocketStack"/>).</summary>
    public NetworkEngine(EngineOptions options)
        : this(options, null)
    {
    }

    internal NetworkEngine(EngineOptions options, FastsocketStack? stack)
    {
        ArgumentNullException.ThrowIfNull(options);
        Stack = stack;
        _receiveFlowDeliver = stack is not null && (stack.Mechanisms & StackMechanisms.ReceiveFlowDeliver) != 0;
        _shared = stack?.SharedConnections;
        _sharedHoldsActiveOnly = _shared is not null && (stack!.Mechanisms & StackMechanisms.LocalEstablished) != 0;
        _files = stack?.SharedFiles;
        LocalAddress = options.LocalAddress;
        _additionalAddresses = options.AdditionalAddresses.ToArray();
        _device = options.Device;
        _clock = options.Clock;
        Config = options.Tcp;
        CoreId = options.CoreId;
        EphemeralPortFirst = options.EphemeralPortFirst;
        EphemeralPortLast = options.EphemeralPortLast;
        _portFilter = options.EphemeralPortFilter;
        _transmitBuffer = new byte[Math.Max(_device.Mtu, 576)];
        _timeWait = new TimeWaitTable(Config.MaxTimeWaitRecords);
        _isn = options.IsnKey is null ? new IsnGenerator() : new IsnGenerator(options.IsnKey);
        _ports = options.RandomSeed is int seed ? new EphemeralPortSelector(seed) : new EphemeralPortSelector();
        _now = _clock.NowMicroseconds;
        _timers = new TimerWheel(_now);
        InitializeLimits(options);
        _deviceIsLoopback = options.IsLoopback;
        _cookies = options.SynCookieKey is null ? new SynCookieCodec() : new SynCookieCodec(options.SynCookieKey);
        _resetBucket = new TokenBucket(Config.ResetsPerSecond, Config.ResetBurst, _now);
        _timeWaitAckBucket = new TokenBucket(Config.TimeWaitAcksPerSecond, Config.TimeWaitAckBurst, _now);
        _icmpBucket = new TokenBucket(options.IcmpRepliesPerSecond, options.IcmpReplyBurst, _now);
    }

    /// <summary>The main local address.</summary>
    public IpAddress LocalAddress { get; }

    /// <summary>Whether <paramref name="address"/> is ours: the main address, or one of the few others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsLocalAddress(in IpAddress address) => address == LocalAddress || IsAdditionalAddress(address);

    private bool IsAdditionalAddress(in IpAddress address)
    {
        foreach (IpAddress extra in _additionalAddresses)
        {
            if (extra == address)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The stack this engine is a core of, or null for a standalone single engine.</summary>
    public FastsocketStack? Stack { get; }

    /// <summary>The core this engine runs on.</summary>
    public int CoreId { get; }

    /// <summary>TCP settings for the engine's connections.</summary>
    public TcpConfig Config { get; }

    /// <summary>The stack's name (<see cref="StackOptions.Name"/>), or "engine" for a standalone engine; tags events and metrics.</summary>
    public string StackName => Stack?.Name ?? "engine";

    /// <summary>The engine's counters (written by its thread only).</summary>
    public EngineStatistics Statistics { get; } = new();

    /// <summary>Connection buffers, owned by this engine's thread.</summary>
    public EngineBufferPool BufferPool { get; } = new();

    TcpStatistics ITcpHost.Statistics => Statistics;

    System.Buffers.ArrayPool<byte> ITcpHost.BufferPool => BufferPool;

    /// <summary>The first port of the ephemeral range.</summary>
    public ushort EphemeralPortFirst { get; }

    /// <summary>The last port of the ephemeral range (inclusive).</summary>
    public ushort EphemeralPortLast { get; }

    /// <summary>Connections this engine owns (in its table, or in the shared one for base and reuseport).</summary>
    public int ConnectionCount => Volatile.Read(ref _ownedConnections);

    /// <summary>TIME-WAIT records held.</summary>
    public int TimeWaitCount => _timeWait.Count;

    /// <summary>Connection objects waiting in the pool for reuse.</summary>
    public int PooledConnections => _pool.Count;

    /// <summary>The device queue the engine polls.</summary>
    public IPacketDevice Device => _device;

    /// <summary>The engine's clock as of the current batch, in microseconds.</summary>
    public long NowMicroseconds => _now;

    Span<byte> ITcpHost.TransmitBuffer => _transmitBuffer;

    // The engine's jobs live in partial files: the application API (NetworkEngine.Api.cs), the connection table
    // (NetworkEngine.Table.cs), the receive path (NetworkEngine.Receive.cs) and the host services its connections
    // use (NetworkEngine.TcpHost.cs). This file holds the state and the batch loop.

    /// <summary>Runs one batch: packets from the device, expired timers, then output. Returns the packets received.</summary>
    public int Poll(int maxPackets = DefaultBatch)
    {
        int received = PollUntilDrained(maxPackets, 1, out _);
        SendEndOfTurnAcks();
        return received;
    }

    /// <summary>
    /// One turn of a core's loop under load: reads the device in batches of <paramref name="batch"/> until a batch
    /// comes back short (the queue is empty) or <paramref name="maxBatches"/> batches were read, and only then runs
    /// timers and writes. Reading everything first empties the kernel's queue toward the stack as fast as packets can
    /// be taken in, so a burst does not overflow it while the engine writes replies, and all the ACKs a connection owes
    /// for the turn leave as one. <paramref name="drained"/> is false when the last batch was full: the device may
    /// still hold packets, the engine is behind.
    /// </summary>
    /// <returns>Packets received, hand-offs from other cores included.</returns>
    internal int PollUntilDrained(int batch, int maxBatches, out bool drained)
    {
        int received = 0;
        drained = false;
        for (int i = 0; i < maxBatches; i++)
        {
            // Each batch on a fresh clock reading: RTT samples and timestamps of a long turn stay honest.
            Refresh();
            int n = _device.Poll(this, batch);
            received += n;
            if (n < batch)
            {
                drained = true;
                break;
            }
        }
        if (Stack is not null)
        {
            _fromHandoff = true;
            received += Stack.Handoff.Drain(CoreId, this, batch * maxBatches);
            _fromHandoff = false;
        }
        _timers.Advance(_now);
        if (_timeWait.Count > 0)
        {
            _timeWait.Expire(_now);
        }
        FlushPending();
        return received;
    }

    /// <summary>Whether the device's receive queue is kept by the host (TUN), which drops what arrives while it is full.</summary>
    internal bool HasHostQueue => _device is IHostDropCounters;

    /// <summary>The earliest timer deadline, for an idle engine deciding how long it may sleep.</summary>
    public long NextTimerDeadline() => _timers.NextDeadline();

    /// <summary>Sends whatever connections queued during application calls made outside <see cref="Poll"/>.</summary>
    public void FlushPending()
    {
        for (int i = 0; i < _flushCount; i++)
        {
            TcpConnection c = _flushList[i];
            _flushList[i] = null!;
            c.FlushOutput();
        }
        _flushCount = 0;
        _device.Flush();
    }

    /// <summary>
    /// Ends a turn: sends the ACKs that waited for the application's work of the turn (a connection's first data,
    /// whose ACK a reply written by then has carried instead). The engine thread calls this after running posted work.
    /// </summary>
    /// <summary>Whether connections wait for <see cref="SendEndOfTurnAcks"/> (an ACK a reply may still carry).</summary>
    internal bool HasEndOfTurnAcks => _endOfTurnAckCount > 0;

    internal void SendEndOfTurnAcks()
    {
        if (_endOfTurnAckCount == 0)
        {
            return;
        }
        for (int i = 0; i < _endOfTurnAckCount; i++)
        {
            TcpConnection c = _endOfTurnAcks[i];
            _endOfTurnAcks[i] = null!;
            c.SendAckAwaitingReply();
        }
        _endOfTurnAckCount = 0;
        _device.Flush();
    }

    private void Refresh() => _now = _clock.NowMicroseconds;
}
