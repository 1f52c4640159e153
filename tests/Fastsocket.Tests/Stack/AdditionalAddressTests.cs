using System.Net;
using System.Net.Sockets;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Stack;

/// <summary>
/// A host with several addresses: sockets bound to any of them connect from it, packets to each are taken in,
/// and binding to an address the host does not have is refused as on Linux (EADDRNOTAVAIL).
/// </summary>
public sealed class AdditionalAddressTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private static readonly IpAddress[] Extra = [IpAddress.FromIPv4(198, 18, 1, 1), IpAddress.FromIPv4(198, 18, 1, 2)];

    [Fact]
    public async Task SocketsBoundToEachAddressConnectFromIt()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 2, clientCores: 2, clientAdditionalAddresses: Extra);
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 7));
        listener.Listen();

        IpAddress[] sources = [StackPair.ClientAddress, .. Extra];
        foreach (IpAddress source in sources)
        {
            for (int i = 0; i < 3; i++)
            {
                ValueTask<FastSocket> accept = listener.AcceptAsync();
                using var client = new FastSocket(pair.Client);
                client.Bind(new IPEndPoint(source.ToIPAddress(), 0));
                await client.ConnectAsync(pair.ServerEndPoint(7)).AsTask().WaitAsync(Limit);
                using FastSocket server = await accept.AsTask().WaitAsync(Limit);

                Assert.Equal(source.ToIPAddress(), ((IPEndPoint)client.LocalEndPoint!).Address);
                Assert.Equal(source.ToIPAddress(), ((IPEndPoint)server.RemoteEndPoint!).Address);
                // Data both ways proves the server's packets to that address were taken in by the client.
                await client.SendAsync(new byte[] { 1, 2, 3 });
                byte[] buffer = new byte[8];
                Assert.Equal(3, await server.ReceiveAsync(buffer).AsTask().WaitAsync(Limit));
                await server.SendAsync(buffer.AsMemory(0, 3));
                Assert.Equal(3, await client.ReceiveAsync(buffer).AsTask().WaitAsync(Limit));
            }
        }
        Assert.Equal(0, pair.Client.TotalStatistics().Drops[DropReason.NotForThisHost]);
    }

    [Fact]
    public void BindingToAnAddressTheHostDoesNotHaveIsRefused()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1, clientAdditionalAddresses: Extra);
        using var socket = new FastSocket(pair.Client);
        SocketException error = Assert.Throws<SocketException>(() => socket.Bind(new IPEndPoint(IPAddress.Parse("198.18.1.3"), 0)));
        Assert.Equal(SocketError.AddressNotAvailable, error.SocketErrorCode);
    }
}
