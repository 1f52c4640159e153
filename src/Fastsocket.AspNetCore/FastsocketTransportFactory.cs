using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Fastsocket.AspNetCore;

/// <summary>Kestrel's transport for IP endpoints on Fastsocket.NET; registered by UseFastsocket.</summary>
public sealed class FastsocketTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly FastsocketNetwork _network;

    public FastsocketTransportFactory(FastsocketNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
    }

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var listener = new FastsocketConnectionListener(_network, endpoint, MemoryPool<byte>.Shared);
        listener.Bind();
        return new ValueTask<IConnectionListener>(listener);
    }
}
