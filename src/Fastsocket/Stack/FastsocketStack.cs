using System.Net.Sockets;
using System.Security.Cryptography;
using Fastsocket.Devices;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// A running instance of the stack: one <see cref="EngineCore"/> per core over a multi-queue device, in one of the
/// three designs of the paper. What the cores share lives here: the listener groups (global and local listen
/// tables), the shared established table of the <c>base</c> and <c>reuseport</c> designs, and the software
/// Receive Flow Deliver rings.
/// </summary>
public sealed class FastsocketStack : IDisposable
{
    private readonly EngineCore[] _cores;
    private readonly ListenerGroup?[] _listeners = new ListenerGroup?[65536];
    private readonly Lock _listenLock = new();
    private int _nextCore;
    private bool _started;
    private bool _disposed;

    /// <summary>Builds the stack's cores on the options' multi-queue device (one engine per queue).</summary>
    public FastsocketStack(StackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Cores, 1);
        if (options.Device.QueueCount < options.Cores)
        {
            throw new ArgumentException($"the device has {options.Device.QueueCount} queues for {options.Cores} cores", nameof(options));
        }
        Options = options;
        Design = options.Design;
        Name = options.Name;
        int mtu = options.Device.GetQueue(0).Mtu;
        Handoff = new HandoffRings(options.Cores, mtu);
        if (Design != StackDesign.Fastsocket)
        {
            SharedConnections = new SharedConnectionTable();
        }
        PortMask = PortMaskFor(options.Cores);
        byte[] isnKey = options.IsnKey ?? RandomNumberGenerator.GetBytes(16);
        byte[] cookieKey = options.SynCookieKey ?? RandomNumberGenerator.GetBytes(16);
        _cores = new EngineCore[options.Cores];
        for (int i = 0; i < options.Cores; i++)
        {
            var engine = new NetworkEngine(new EngineOptions
            {
                LocalAddress = options.LocalAddress,
                AdditionalAddresses = options.AdditionalAddresses,
                Device = options.Device.GetQueue(i),
                Clock = options.Clock,
                Tcp = options.Tcp,
                CoreId = i,
                IsnKey = isnKey,
                SynCookieKey = cookieKey,
                IsLoopback = options.IsLoopback,
                IcmpRepliesPerSecond = options.IcmpRepliesPerSecond,
                IcmpReplyBurst = options.IcmpReplyBurst,
                EphemeralPortFirst = options.EphemeralPortFirst,
                EphemeralPortLast = options.EphemeralPortLast,
                EphemeralPortFilter = options.EphemeralPortFilter,
                RandomSeed = options.RandomSeed is int seed ? seed + i : null,
            }, this);
            _cores[i] = new EngineCore(this, i, engine, options.BatchSize);
            options.Device.AttachDoorbell(i, _cores[i].Doorbell);
            Handoff.AttachDoorbell(i, _cores[i].Doorbell);
        }
        if (Design == StackDesign.Fastsocket && options.UseDeviceSteering && options.Device.Steering is IFlowSteering steering)
        {
            // Hardware half of Receive Flow Deliver: a reply to an active connection carries our ephemeral port as its
            // destination, and that port's low bits name the core that opened it.
            for (int core = 0; core < options.Cores; core++)
            {
                if (!steering.TryAddPortMask((ushort)(0x8000 | core), (ushort)(0x8000 | PortMask), core))
                {
                    break;
                }
            }
            DeviceSteering = true;
        }
    }

    /// <summary>The options the stack was built with.</summary>
    public StackOptions Options { get; }

    /// <summary>Which design's tables and listeners the stack uses.</summary>
    public StackDesign Design { get; }

    /// <summary>A name for logs and thread names.</summary>
    public string Name { get; }

    /// <summary>How many cores (engines) the stack runs.</summary>
    public int CoreCount => _cores.Length;

    /// <summary>The stack's main address.</summary>
    public IpAddress LocalAddress => Options.LocalAddress;

    /// <summary>Whether <paramref name="address"/> is one of this host's addresses (every core has the same ones).</summary>
    public bool IsLocalAddress(in IpAddress address) => _cores[0].Engine.IsLocalAddress(address);

    /// <summary>2^ceil(log2 N) - 1: an active port p belongs to core p &amp; PortMask.</summary>
    public int PortMask { get; }

    /// <summary>Whether the device steers replies to active connections (otherwise software hand-off does it all).</summary>
    public bool DeviceSteering { get; }

    internal HandoffRings Handoff { get; }

    internal SharedConnectionTable? SharedConnections { get; }

    /// <summary>Raised (on the engine thread) when application code posted to a core throws.</summary>
    public event Action<int, Exception>? UnhandledException;

    /// <summary>The core with the given index.</summary>
    public EngineCore Core(int index) => _cores[index];

    /// <summary>Every core, by index.</summary>
    public IReadOnlyList<EngineCore> Cores => _cores;

    /// <summary>Starts every core's engine thread.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_started)
        {
            return;
        }
        _started = true;
        foreach (EngineCore core in _cores)
        {
            core.Start();
        }
        LiveStacks.Add(this);
    }

    /// <summary>The core to place new work on from outside the stack: round-robin, so connections spread over cores.</summary>
    public EngineCore NextCore()
    {
        EngineCore? current = EngineCore.Current;
        if (current is not null && ReferenceEquals(current.Engine.Stack, this))
        {
            return current;
        }
        int index = (int)((uint)Interlocked.Increment(ref _nextCore) % (uint)_cores.Length);
        return _cores[index];
    }

    /// <summary>Creates the listener group of a port (the global listener; local ones open as acceptors start).</summary>
    public ListenerGroup Listen(ushort port, int backlog)
    {
        if (port == 0)
        {
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        lock (_listenLock)
        {
            if (_listeners[port] is not null)
            {
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
            var group = new ListenerGroup(Design, port, Math.Max(backlog, 1), _cores.Length);
            Volatile.Write(ref _listeners[port], group);
            return group;
        }
    }

    /// <summary>Stops listening on a port; connections still queued are reset, as close(2) on a listening socket does.</summary>
    public void CloseListener(ListenerGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_listenLock)
        {
            if (!ReferenceEquals(_listeners[group.Port], group))
            {
                return;
            }
            group.MarkClosed();
            Volatile.Write(ref _listeners[group.Port], null);
        }
        for (int i = 0; i < _cores.Length; i++)
        {
            int core = i;
            _cores[i].Execute(() => DrainClosedListener(group, core));
        }
    }

    private void DrainClosedListener(ListenerGroup group, int core)
    {
        EngineStatistics statistics = _cores[core].Engine.Statistics;
        Listener? local = group.Local(core);
        if (local is not null)
        {
            while (local.TryAccept(statistics, out TcpConnection? queued))
            {
                AbortQueued(queued!);
            }
        }
        if (core == 0)
        {
            while (group.Global.TryAccept(statistics, out TcpConnection? queued))
            {
                AbortQueued(queued!);
            }
        }
    }

    /// <summary>Resets and releases a queued connection on the core that owns it.</summary>
    internal void AbortQueued(TcpConnection connection)
    {
        EngineCore owner = _cores[connection.CoreId];
        owner.Execute(() =>
        {
            connection.Abort();
            connection.Close();
        });
    }

    internal ListenerGroup? FindListener(ushort port) => Volatile.Read(ref _listeners[port]);

    internal bool HasPacketsFor(int core) => Options.Device.HasPackets(core) || Handoff.HasPackets(core);

    internal void ReportUnhandled(int core, Exception exception) => UnhandledException?.Invoke(core, exception);

    /// <summary>Sum of every core's counters (a snapshot; cores keep running).</summary>
    public EngineStatistics TotalStatistics()
    {
        var total = new EngineStatistics();
        foreach (EngineCore core in _cores)
        {
            core.Engine.Statistics.AddTo(total);
        }
        return total;
    }

    /// <summary>Connections owned by all cores together.</summary>
    public int ConnectionCount
    {
        get
        {
            int total = 0;
            foreach (EngineCore core in _cores)
            {
                total += core.Engine.ConnectionCount;
            }
            return total;
        }
    }

    /// <summary>Stops the cores and releases their resources.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        LiveStacks.Remove(this);
        foreach (EngineCore core in _cores)
        {
            core.Stop();
        }
        foreach (EngineCore core in _cores)
        {
            core.Dispose();
        }
    }

    /// <summary>The <see cref="PortMask"/> of a stack with <paramref name="cores"/> cores: 2^ceil(log2 N) - 1.</summary>
    public static int PortMaskFor(int cores)
    {
        int bits = 0;
        while ((1 << bits) < cores)
        {
            bits++;
        }
        return (1 << bits) - 1;
    }
}
