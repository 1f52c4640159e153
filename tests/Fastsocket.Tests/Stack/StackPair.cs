using System.Net;
using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Stack;

/// <summary>A server stack and a client stack on the in-memory multi-queue network, started and torn down by a test.</summary>
public sealed class StackPair : IDisposable
{
    public static readonly IpAddress ServerAddress = IpAddress.FromIPv4(198, 18, 0, 2);
    public static readonly IpAddress ClientAddress = IpAddress.FromIPv4(198, 18, 0, 1);

    public StackPair(StackDesign design, int serverCores = 2, int clientCores = 2, bool clientSteering = true, TcpConfig? tcp = null,
        ushort clientEphemeralFirst = 32768, ushort clientEphemeralLast = 60999, IpAddress[]? clientAdditionalAddresses = null,
        EphemeralPortFilter? clientPortFilter = null)
    {
        Wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = clientCores, QueuesB = serverCores });
        Server = new FastsocketStack(new StackOptions
        {
            Design = design,
            Cores = serverCores,
            LocalAddress = ServerAddress,
            Device = Wire.B,
            Tcp = tcp ?? new TcpConfig { NoDelay = true },
            PinThreads = false,
            Name = "test-server",
        });
        Client = new FastsocketStack(new StackOptions
        {
            Design = StackDesign.Fastsocket,
            Cores = clientCores,
            LocalAddress = ClientAddress,
            Device = Wire.A,
            Tcp = tcp?.Clone() ?? new TcpConfig { NoDelay = true },
            PinThreads = false,
            UseDeviceSteering = clientSteering,
            AdditionalAddresses = clientAdditionalAddresses ?? [],
            EphemeralPortFirst = clientEphemeralFirst,
            EphemeralPortLast = clientEphemeralLast,
            EphemeralPortFilter = clientPortFilter,
            Name = "test-client",
        });
        Server.Start();
        Client.Start();
    }

    public VirtualWire Wire { get; }

    public FastsocketStack Server { get; }

    public FastsocketStack Client { get; }

    public IPEndPoint ServerEndPoint(int port) => new(ServerAddress.ToIPAddress(), port);

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}
