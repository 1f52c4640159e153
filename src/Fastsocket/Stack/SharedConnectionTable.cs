using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// The one established table of the <c>base</c> and <c>reuseport</c> designs: every core looks up every packet here,
/// under one lock, as the stock kernel's ehash with its bucket locks. Each acquisition is counted on the calling core,
/// so the benchmark can show what the <c>fastsocket</c> design's local tables save.
/// </summary>
internal sealed class SharedConnectionTable
{
    private readonly Dictionary<FlowKey, TcpConnection> _connections = new(4096);
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    public bool TryGet(in FlowKey key, EngineStatistics statistics, out TcpConnection? connection)
    {
        lock (_lock)
        {
            statistics.LockAcquisitions++;
            return _connections.TryGetValue(key, out connection);
        }
    }

    public bool TryAdd(in FlowKey key, TcpConnection connection, EngineStatistics statistics)
    {
        lock (_lock)
        {
            statistics.LockAcquisitions++;
            return _connections.TryAdd(key, connection);
        }
    }

    public void Remove(in FlowKey key, TcpConnection connection, EngineStatistics statistics)
    {
        lock (_lock)
        {
            statistics.LockAcquisitions++;
            if (_connections.TryGetValue(key, out TcpConnection? current) && ReferenceEquals(current, connection))
            {
                _connections.Remove(key);
            }
        }
    }

    public bool Contains(in FlowKey key, EngineStatistics statistics)
    {
        lock (_lock)
        {
            statistics.LockAcquisitions++;
            return _connections.ContainsKey(key);
        }
    }
}
