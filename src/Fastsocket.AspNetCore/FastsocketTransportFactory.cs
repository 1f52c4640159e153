using System.Buffers;
using System.Net;
using Fastsocket.Devices;
using Fastsocket.Devices.Tun;
using Fastsocket.Diagnostics;
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
    private readonly IMemoryPoolFactory<byte>? _memoryPoolFactory;

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
        : this(network, loggerFactory, null)
    {
    }

    /// <summary>
    /// The same, with the connections' pipes renting their buffers from a pool <paramref name="memoryPoolFactory"/> makes
    /// for each endpoint (the pinned-block pool Kestrel registers, which its socket transport uses too); null rents from
    /// <see cref="MemoryPool{T}.Shared"/>, which wraps every rented array in a new object.
    /// </summary>
    public FastsocketTransportFactory(FastsocketNetwork network, ILoggerFactory loggerFactory, IMemoryPoolFactory<byte>? memoryPoolFactory)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _network = network;
        _logger = loggerFactory.CreateLogger(FastsocketTransportLog.CategoryName);
        _memoryPoolFactory = memoryPoolFactory;
        FastsocketStack stack = network.ServerStack;
        FastsocketTransportLog.TransportStarted(_logger, stack.Name, stack.Design.ToString().ToLowerInvariant(), stack.CoreCount, network.ServerAddress,
            DescribeNetwork(network));
        if (SingleCpuJitTiering.Advice(Environment.ProcessorCount, Environment.GetEnvironmentVariable) is { } advice)
        {
            FastsocketTransportLog.SingleCpuJitDelay(_logger, advice);
        }
    }

    /// <summary>IP endpoints only: Unix sockets and named pipes stay with Kestrel's other transports.</summary>
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    /// <summary>Listens on the server stack and starts an accept loop on each of its cores; logs where the endpoint is.</summary>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        // One pool per endpoint, as Kestrel's socket transport has; the listener disposes the pool it was given to own.
        MemoryPool<byte>? owned = _memoryPoolFactory?.Create(new MemoryPoolOptions { Owner = "fastsocket" });
        var listener = new FastsocketConnectionListener(_network, endpoint, owned ?? MemoryPool<byte>.Shared, ownsMemoryPool: owned is not null, _logger);
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
