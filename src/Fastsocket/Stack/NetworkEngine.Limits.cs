using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// Resource limits of one engine: how many connections it may hold, how many receive-buffer bytes before windows
/// stop growing, and which ephemeral ports its active connections hold (so <c>Listen</c> can refuse them and Receive
/// Flow Deliver can tell an active port from a listening one).
/// </summary>
public sealed partial class NetworkEngine
{
    private int _maxConnections = EngineOptions.DefaultMaxConnections;
    private ReceiveMemoryBudget _receiveMemory = new(EngineOptions.DefaultReceiveMemoryBudget);

    // Active connections per ephemeral port (index = port - EphemeralPortFirst). Written by this engine's thread only;
    // other threads read it (Volatile) when a listener opens, a benign race: see HoldsActivePort.
    private int[] _activePortUse = [];

    /// <summary>The most connections (half-open and established, not TIME-WAIT) this engine holds at once.</summary>
    public int MaxConnections => _maxConnections;

    /// <summary>This engine's receive memory budget and what its connections hold against it.</summary>
    public ReceiveMemoryBudget ReceiveMemory => _receiveMemory;

    ReceiveMemoryBudget ITcpHost.ReceiveMemory => _receiveMemory;

    private void InitializeLimits(EngineOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxConnections);
        _maxConnections = options.MaxConnections;
        _receiveMemory = new ReceiveMemoryBudget(options.ReceiveMemoryBudget);
        if (options.EphemeralPortFirst <= options.EphemeralPortLast)
        {
            _activePortUse = new int[options.EphemeralPortLast - options.EphemeralPortFirst + 1];
        }
    }

    /// <summary>
    /// Whether a new connection would go over <see cref="MaxConnections"/>; counts the refusal when it would. A SYN
    /// refused here is also counted under <see cref="DropReason.ConnectionLimit"/> by the caller.
    /// </summary>
    private bool AtConnectionLimit()
    {
        if (_ownedConnections < _maxConnections)
        {
            return false;
        }
        Statistics.ConnectionLimitDrops++;
        return true;
    }

    /// <summary>A SYN for a listener: false (dropped and counted, no reply, as Linux under memory pressure) at the connection limit.</summary>
    private bool AdmitPassiveOpen()
    {
        if (!AtConnectionLimit())
        {
            return true;
        }
        Statistics.Drops.Add(DropReason.ConnectionLimit);
        return false;
    }

    /// <summary>Whether <paramref name="port"/> is an ephemeral port with an active connection of this engine on it.</summary>
    internal bool HoldsActivePort(ushort port)
    {
        int index = port - EphemeralPortFirst;
        return (uint)index < (uint)_activePortUse.Length && Volatile.Read(ref _activePortUse[index]) > 0;
    }

    /// <summary>Records that an active connection now holds <paramref name="port"/>.</summary>
    private void TakeActivePort(ushort port)
    {
        int index = port - EphemeralPortFirst;
        if ((uint)index < (uint)_activePortUse.Length)
        {
            Volatile.Write(ref _activePortUse[index], _activePortUse[index] + 1);
        }
    }

    /// <summary>Records that an active connection on <paramref name="port"/> left the table.</summary>
    private void ReleaseActivePort(ushort port)
    {
        int index = port - EphemeralPortFirst;
        if ((uint)index < (uint)_activePortUse.Length && _activePortUse[index] > 0)
        {
            Volatile.Write(ref _activePortUse[index], _activePortUse[index] - 1);
        }
    }

    /// <summary>Whether some listener (this engine's, or the stack's on any core) has <paramref name="port"/>.</summary>
    private bool IsListenerPort(ushort port) => _listeners.ContainsKey(port) || Stack?.FindListener(port) is not null;

    /// <summary>
    /// Whether a packet to <paramref name="localPort"/> that matched no connection here belongs to an active connection
    /// of the core <c>port &amp; PortMask</c> (software Receive Flow Deliver): the port lies in the ephemeral range and
    /// no listener has it. Ephemeral ports are never handed out while a listener holds them, and a listener cannot take
    /// a port an active connection holds, so inside the range a port is one or the other, for any range.
    /// </summary>
    private bool IsActivePort(ushort localPort) =>
        ReceiveFlowDeliverPorts.IsInRange(localPort, EphemeralPortFirst, EphemeralPortLast) && !IsListenerPort(localPort);

    /// <summary>The core that owns an active port under Receive Flow Deliver, or -1 when that is this one or no core.</summary>
    private int RfdOwnerElsewhere(ushort localPort)
    {
        int owner = ReceiveFlowDeliverPorts.OwnerOf(localPort, Stack!.PortMask);
        return owner != CoreId && owner < Stack.CoreCount ? owner : -1;
    }
}
