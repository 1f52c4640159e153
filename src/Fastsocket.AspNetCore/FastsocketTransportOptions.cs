using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;

namespace Fastsocket.AspNetCore;

/// <summary>How Kestrel's Fastsocket.NET transport builds its stack and sizes its connection pipes.</summary>
public sealed class FastsocketTransportOptions
{
    /// <summary>Engine cores of the server stack (one thread each). Defaults to the processor count.</summary>
    public int Cores { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// The server stack's listen and connection-table design: the Fastsocket paper's (the default), SO_REUSEPORT-style
    /// per-core listeners, or the base kernel's single shared tables, for comparing them.
    /// </summary>
    public StackDesign Design { get; set; } = StackDesign.Fastsocket;

    /// <summary>
    /// Builds the server's device for a given core count (for example a multi-queue TUN device). Null means the
    /// in-memory network: the server stack sits on NIC B of a <see cref="VirtualWire"/> and a client stack on NIC A
    /// is available in-process (<see cref="FastsocketNetwork.ClientStack"/>).
    /// </summary>
    public Func<int, IMultiQueueDevice>? DeviceFactory { get; set; }

    /// <summary>The server stack's IPv4 address (dotted quad).</summary>
    public string Address { get; set; } = FastsocketNetwork.DefaultServerAddress;

    /// <summary>
    /// Prefix length of <see cref="Address"/>'s network, for devices the kernel routes to (the TUN device gives the
    /// kernel's side <see cref="HostAddress"/>/this prefix).
    /// </summary>
    public int PrefixLength { get; set; } = 24;

    /// <summary>The kernel side's IPv4 address on a TUN device; unused on the in-memory network.</summary>
    public string? HostAddress { get; set; }

    /// <summary>
    /// Packets the kernel may queue toward each engine of a TUN device before it drops (the device's txqueuelen);
    /// defaults to <see cref="Devices.Tun.TunDevice.DefaultKernelQueueLength"/>. Unused on other devices.
    /// </summary>
    public int TunQueueLength { get; set; } = Devices.Tun.TunDevice.DefaultKernelQueueLength;

    /// <summary>The in-memory client stack's address; unused with a <see cref="DeviceFactory"/>.</summary>
    public string ClientAddress { get; set; } = FastsocketNetwork.DefaultClientAddress;

    /// <summary>Engine cores of the in-memory client stack.</summary>
    public int ClientCores { get; set; } = 1;

    /// <summary>Pin engine threads to CPUs. Off by default: a web app shares its machine with the thread pool.</summary>
    public bool PinThreads { get; set; }

    /// <summary>TCP settings of the server stack; null keeps the stack's defaults with Nagle off, as Kestrel does.</summary>
    public TcpConfig? Tcp { get; set; }

    /// <summary>Received bytes buffered per connection before the receive loop stops reading (TCP's window then closes).</summary>
    public long MaxReadBufferSize { get; set; } = 1024 * 1024;

    /// <summary>Response bytes buffered per connection before Kestrel's writes wait for the send loop.</summary>
    public long MaxWriteBufferSize { get; set; } = 64 * 1024;

    /// <summary>Listen backlog of every endpoint.</summary>
    public int Backlog { get; set; } = 512;
}
