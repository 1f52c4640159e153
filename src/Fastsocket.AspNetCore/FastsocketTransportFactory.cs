using System.Buffers;
using System.Net;
using Fastsocket.Devices;
using Fastsocket.Devices.Tun;
using Fastsocket.Stack;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fastsocket.AspNetCore;

/// <summary>Kestrel's transport for IP endpoints on Fastsocket.NET; registered by UseFastsocket.</summary>
public sealed class FastsocketTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly FastsocketNetwork _network;
    private readonly ILogger _logger;

    /// <summary>A transport that logs nothing.</summary>
    public FastsocketTransportFactory(FastsocketNetwork network)
        : this(network, NullLoggerFactory.Instance)
    {
    }

    /// <summary>
    /// A transport that logs under <c>Fastsocket.AspNetCore.Transport</c>: where its stack is (once, now), each
    /// endpoint it binds and where that endpoint is reachable, and per-connection events at Debug.
    /// </summary>
    public FastsocketTransportFactory(FastsocketNetwork network, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _network = network;
        _logger = loggerFactory.CreateLogger(FastsocketTransportLog.CategoryName);
        FastsocketStack stack = network.ServerStack;
        FastsocketTransportLog.TransportStarted(_logger, stack.Name, stack.Design.ToString().ToLowerInvariant(), stack.CoreCount, network.ServerAddress,
            DescribeNetwork(network));
    }

    /// <summary>IP endpoints only: Unix sockets and named pipes stay with Kestrel's other transports.</summary>
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    /// <summary>Listens on the server stack and starts an accept loop on each of its cores; logs where the endpoint is.</summary>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var listener = new FastsocketConnectionListener(_network, endpoint, MemoryPool<byte>.Shared, _logger);
        listener.Bind();
        return new ValueTask<IConnectionListener>(listener);
    }

    private static string DescribeNetwork(FastsocketNetwork network)
    {
        if (network.Wire is not null)
        {
            return $"the in-memory network (in-process client stack \"{network.ClientStack!.Name}\" at {network.ClientStack.LocalAddress})";
        }
        IMultiQueueDevice device = network.ServerStack.Options.Device;
        return device is TunDevice tun ? $"TUN device {tun.Name}" : $"a {device.GetType().Name}";
    }
}
