using System.Net.Sockets;
using System.Security.Cryptography;
using Fastsocket.Devices;
using Fastsocket.Interop;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// A running instance of the stack: one <see cref="EngineCore"/> per core over a multi-queue device, in one of the
/// three designs of the paper or an ablation of them (<see cref="StackMechanisms"/>). What the cores share lives here:
/// the listener groups (global and local listen tables), the shared established table and the shared VFS layer of a
/// stack without the Local Established Table or light sockets, and the software Receive Flow Deliver rings.
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
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxConnections);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ReceiveMemoryBudget);
        StackMechanisms mechanisms = options.EffectiveMechanisms;
        StackDesigns.Validate(mechanisms);
        bool receiveFlowDeliver = (mechanisms & StackMechanisms.ReceiveFlowDeliver) != 0;
        // With Receive Flow Deliver each core connects out only from its own share of the range; without it all cores
        // share it. Either way a range too small to connect from is refused here, with why.
        string? rangeProblem = ReceiveFlowDeliverPorts.Validate(receiveFlowDeliver ? options.Cores : 1,
            options.EphemeralPortFirst, options.EphemeralPortLast, StackOptions.MinEphemeralPortsPerCore);
        if (rangeProblem is not null)
        {
            throw new ArgumentException(rangeProblem, nameof(options));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(options.FirstCpu, nameof(options.FirstCpu));
        Options = options;
        AllowedCpus = ThreadAffinity.AllowedCpus();
        Mechanisms = mechanisms;
        Design = StackDesigns.DesignOf(mechanisms);
        Name = options.Name;
        int mtu = options.Device.GetQueue(0).Mtu;
        Handoff = new HandoffRings(options.Cores, mtu);
        if ((mechanisms & StackMechanisms.LocalEstablished) == 0 || !receiveFlowDeliver)
        {
            // Without local tables every connection is here; with them but without Receive Flow Deliver, the active ones.
            // A fixed array of chains as the kernel's ehash, sized for the connections the stack may hold (within bounds).
            SharedConnections = new SharedConnectionTable(options.Cores, (int)Math.Min(options.MaxConnections, SharedTableMaxBuckets));
        }
        if ((mechanisms & StackMechanisms.LightSockets) == 0)
        {
            SharedFiles = new SharedSocketVfs();
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
                MaxConnections = (int)Math.Min(int.MaxValue, ((long)options.MaxConnections + options.Cores - 1) / options.Cores),
                ReceiveMemoryBudget = Math.Max(1, options.ReceiveMemoryBudget / options.Cores),
            }, this);
            _cores[i] = new EngineCore(this, i, engine, options.BatchSize);
            options.Device.AttachDoorbell(i, _cores[i].Doorbell);
            Handoff.AttachDoorbell(i, _cores[i].Doorbell);
        }
        if (receiveFlowDeliver && options.UseDeviceSteering && options.Device.Steering is IFlowSteering steering &&
            options.EphemeralPortFirst >= PortMaskSteeringFloor)
        {
            // Hardware half of Receive Flow Deliver: a reply to an active connection carries our ephemeral port as its
            // destination, and that port's low bits name the core that opened it. A port-mask rule cannot say "inside
            // the range", so the rules match on bit 15 as well and are installed only when the whole range has it;
            // a listener on a port with bit 15 would match them too, so Listen removes them then (see Listen). Any
            // other range is left to software Receive Flow Deliver in the engines.
            for (int core = 0; core < options.Cores; core++)
            {
                if (!steering.TryAddPortMask((ushort)(PortMaskSteeringFloor | core), (ushort)(PortMaskSteeringFloor | PortMask), core))
                {
                    break;
                }
            }
            _steering = steering;
            _deviceSteering = true;
        }
    }

    // Port-mask steering rules match ports with this bit (32768 and above), so they are valid only for a range up there.
    private const int PortMaskSteeringFloor = 0x8000;

    // The shared established table's most chains (a quarter million: 2 MB of heads, as a large machine's ehash).
    private const int SharedTableMaxBuckets = 1 << 18;

    private IFlowSteering? _steering;
    private volatile bool _deviceSteering;

    /// <summary>The options the stack was built with.</summary>
    public StackOptions Options { get; }

    /// <summary>
    /// The CPUs the thread that made the stack may run on (taskset, a cpuset), read once: engine threads are pinned
    /// among these, slot <see cref="StackOptions.FirstCpu"/> + core id, wrapping around.
    /// </summary>
    internal IReadOnlyList<int> AllowedCpus { get; }

    /// <summary>
    /// The paper design the stack is, or starts from (<see cref="StackDesigns.DesignOf"/>): an ablation, base with some
    /// of Fastsocket's mechanisms, is <see cref="StackDesign.Base"/>; <see cref="Mechanisms"/> says exactly what it uses.
    /// </summary>
    public StackDesign Design { get; }

    /// <summary>The mechanisms the stack uses (<see cref="StackOptions.Mechanisms"/>, or those of its design).</summary>
    public StackMechanisms Mechanisms { get; }

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
    public bool DeviceSteering => _deviceSteering;

    internal HandoffRings Handoff { get; }

    internal SharedConnectionTable? SharedConnections { get; }

    /// <summary>The VFS layer every socket passes through without light sockets; null with them.</summary>
    internal SharedSocketVfs? SharedFiles { get; }

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
            if (_listeners[port] is not null || HoldsActivePort(port))
            {
                // A port an active connection holds is bound, as in Linux (EADDRINUSE); Receive Flow Deliver relies on
                // an ephemeral port being either active or listening, never both.
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
            if (_deviceSteering && port >= PortMaskSteeringFloor)
            {
                // The port-mask rules would steer every SYN of this listener to one core: drop them, software Receive
                // Flow Deliver delivers replies to active connections from now on.
                _deviceSteering = false;
                _steering!.ClearPortMasks();
            }
            var group = new ListenerGroup(Mechanisms, port, Math.Max(backlog, 1), _cores.Length, SharedFiles);
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

    /// <summary>Whether an active connection on any core holds <paramref name="port"/> (a snapshot: cores keep running).</summary>
    private bool HoldsActivePort(ushort port)
    {
        foreach (EngineCore core in _cores)
        {
            if (core.Engine.HoldsActivePort(port))
            {
                return true;
            }
        }
        return false;
    }

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
    public static int PortMaskFor(int cores) => ReceiveFlowDeliverPorts.MaskFor(cores);
}
