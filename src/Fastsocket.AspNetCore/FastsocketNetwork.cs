using System.Net;
using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;
using Microsoft.Extensions.Options;

namespace Fastsocket.AspNetCore;

/// <summary>
/// The stacks a Fastsocket.NET-hosted app runs on: the server stack Kestrel listens on, and, on the in-memory
/// network, the client stack at the other end of the wire that in-process clients (tests, HttpClient) connect from.
/// One per app (a DI singleton), started when first built and stopped when the container is disposed, which the
/// host does after Kestrel has unbound.
/// </summary>
public sealed class FastsocketNetwork : IDisposable
{
    /// <summary>The server stack's IPv4 address unless configured: in 198.18.0.0/15, the benchmarking range (RFC 2544).</summary>
    public const string DefaultServerAddress = "198.18.0.2";

    /// <summary>The in-memory client stack's IPv4 address unless configured, on the same /24 as <see cref="DefaultServerAddress"/>.</summary>
    public const string DefaultClientAddress = "198.18.0.1";

    private bool _disposed;

    /// <summary>The device a <see cref="FastsocketTransportOptions.DeviceFactory"/> opened for us (a TUN device): ours to close.</summary>
    private readonly IDisposable? _ownedDevice;

    /// <summary>Builds and starts the stacks from the options DI configured (the singleton's constructor).</summary>
    /// <param name="options">The configured transport options; their value is read once, here.</param>
    public FastsocketNetwork(IOptions<FastsocketTransportOptions> options)
        : this(options?.Value ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    /// <summary>
    /// Builds and starts the server stack (on <see cref="FastsocketTransportOptions.DeviceFactory"/>'s device, or on the
    /// in-memory wire with a client stack at its other end). Engine threads run from here until <see cref="Dispose"/>.
    /// </summary>
    /// <param name="options">Kept as <see cref="Options"/>; later changes to it are not seen by the running stacks.</param>
    /// <exception cref="ArgumentOutOfRangeException">Cores (or, in memory, ClientCores) is below 1.</exception>
    /// <exception cref="FormatException">Address or ClientAddress is not an IP address.</exception>
    public FastsocketNetwork(FastsocketTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Cores, 1);
        Options = options;
        var serverAddress = IpAddress.Parse(options.Address);
        // Kestrel turns Nagle off on its sockets; small responses would otherwise wait for the client's delayed ACK.
        TcpConfig tcp = options.Tcp?.Clone() ?? new TcpConfig { NoDelay = true };
        IMultiQueueDevice device;
        if (options.DeviceFactory is { } factory)
        {
            device = factory(options.Cores);
            _ownedDevice = device as IDisposable;
        }
        else
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(options.ClientCores, 1);
            Wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = options.ClientCores, QueuesB = options.Cores });
            device = Wire.B;
        }
        try
        {
            ServerStack = new FastsocketStack(new StackOptions
            {
                Design = options.Design,
                Cores = options.Cores,
                LocalAddress = serverAddress,
                Device = device,
                Tcp = tcp,
                PinThreads = options.PinThreads,
                Name = "kestrel",
            });
            if (Wire is not null)
            {
                // The client is always the fastsocket design: its active connections get Receive Flow Deliver.
                ClientStack = new FastsocketStack(new StackOptions
                {
                    Design = StackDesign.Fastsocket,
                    Cores = options.ClientCores,
                    LocalAddress = IpAddress.Parse(options.ClientAddress),
                    Device = Wire.A,
                    Tcp = tcp.Clone(),
                    PinThreads = false,
                    Name = "kestrel-client",
                });
                ClientStack.Start();
            }
            ServerStack.Start();
        }
        catch
        {
            ClientStack?.Dispose();
            ServerStack?.Dispose();
            _ownedDevice?.Dispose();
            throw;
        }
    }

    /// <summary>The options the stacks were built from.</summary>
    public FastsocketTransportOptions Options { get; }

    /// <summary>The stack Kestrel's endpoints listen on.</summary>
    public FastsocketStack ServerStack { get; }

    /// <summary>The in-process client end of the in-memory network; null when the server runs on a real device.</summary>
    public FastsocketStack? ClientStack { get; }

    /// <summary>The in-memory network, when there is one.</summary>
    public VirtualWire? Wire { get; }

    /// <summary>The server stack's IPv4 address: where a listener bound to any or loopback address really listens.</summary>
    public IPAddress ServerAddress => ServerStack.LocalAddress.ToIPAddress();

    /// <summary>
    /// An HTTP handler on this network. In memory, connections start on the client stack and "localhost" means this
    /// server; on a device they start on the server stack itself and go out through the device.
    /// </summary>
    public SocketsHttpHandler CreateHttpHandler()
    {
        if (ClientStack is null)
        {
            return FastsocketHttpHandler.Create(ServerStack);
        }
        IPAddress server = ServerAddress;
        return FastsocketHttpHandler.Create(ClientStack, host => string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? server : null);
    }

    /// <summary>Stops the client stack, then the server stack, then closes a device the factory opened. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        ClientStack?.Dispose();
        ServerStack.Dispose();
        // After the stack: its engines no longer poll the device's queues. Closing a TUN device deletes it.
        _ownedDevice?.Dispose();
    }
}
