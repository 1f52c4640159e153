using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// The connection table: the local one (fastsocket, standalone), the shared one (base, reuseport), or both (the Local
/// Established Table without Receive Flow Deliver: passive connections local, active ones shared, see below).
/// </summary>
public sealed partial class NetworkEngine
{
    // With a Local Established Table but no Receive Flow Deliver, nothing sends a reply to an active connection to the
    // core that opened it, so active connections go into the shared table (found, without a lock, after a local miss);
    // passive ones stay local. The paper only runs the two mechanisms together; this is our rule for the ablation.

    /// <summary>The local established table, then (when the stack has one) the shared one, read without a lock.</summary>
    private bool TryFindConnection(in FlowKey key, out TcpConnection? connection)
    {
        if (_shared is null)
        {
            return _connections.TryGetValue(key, out connection);
        }
        if (_sharedHoldsActiveOnly && _connections.TryGetValue(key, out connection))
        {
            return true;
        }
        return _shared.TryGet(key, out connection);
    }

    private bool ContainsConnection(in FlowKey key) => TryFindConnection(key, out _);

    private bool TryAddConnection(in FlowKey key, TcpConnection connection, bool active)
    {
        bool added = InSharedTable(active)
            ? _shared!.TryAdd(key, connection, CoreId, Statistics)
            : _connections.TryAdd(key, connection);
        if (added)
        {
            _ownedConnections++;
        }
        return added;
    }

    private void RemoveConnection(in FlowKey key, TcpConnection connection)
    {
        if (InSharedTable(connection.OpenedActively))
        {
            _shared!.Remove(key, connection, CoreId, Statistics);
        }
        else
        {
            _connections.Remove(key);
        }
        _ownedConnections--;
        if (connection.OpenedActively)
        {
            ReleaseActivePort(key.LocalPort);
        }
    }

    private bool InSharedTable(bool active) => _shared is not null && (active || !_sharedHoldsActiveOnly);

    /// <summary>The live connection this engine owns for a 4-tuple, if any (half-open ones included); for tests and diagnostics.</summary>
    internal TcpConnection? FindConnection(in FlowKey key) =>
        TryFindConnection(key, out TcpConnection? connection) && connection!.CoreId == CoreId ? connection : null;
}
