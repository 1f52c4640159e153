using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>The connection table: the local one (fastsocket, standalone) or the shared one (base, reuseport).</summary>
public sealed partial class NetworkEngine
{
    /// <summary>The local established table (fastsocket, standalone) or the shared one under its lock (base, reuseport).</summary>
    private bool TryFindConnection(in FlowKey key, out TcpConnection? connection)
    {
        if (_shared is null)
        {
            return _connections.TryGetValue(key, out connection);
        }
        return _shared.TryGet(key, Statistics, out connection);
    }

    private bool ContainsConnection(in FlowKey key) =>
        _shared is null ? _connections.ContainsKey(key) : _shared.Contains(key, Statistics);

    private bool TryAddConnection(in FlowKey key, TcpConnection connection)
    {
        bool added = _shared is null ? _connections.TryAdd(key, connection) : _shared.TryAdd(key, connection, Statistics);
        if (added)
        {
            _ownedConnections++;
        }
        return added;
    }

    private void RemoveConnection(in FlowKey key, TcpConnection connection)
    {
        if (_shared is null)
        {
            _connections.Remove(key);
        }
        else
        {
            _shared.Remove(key, connection, Statistics);
        }
        _ownedConnections--;
        if (connection.OpenedActively)
        {
            ReleaseActivePort(key.LocalPort);
        }
    }

    /// <summary>The live connection this engine owns for a 4-tuple, if any (half-open ones included); for tests and diagnostics.</summary>
    internal TcpConnection? FindConnection(in FlowKey key) =>
        TryFindConnection(key, out TcpConnection? connection) && connection!.CoreId == CoreId ? connection : null;
}
