using System.Net;
using System.Net.Sockets;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Stack;

/// <summary>A stack's ephemeral port filter narrows the ports a connect may take, and never widens them.</summary>
public sealed class EphemeralPortFilterTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ConnectsTakeOnlyPortsTheFilterAllows()
    {
        var asked = new List<(int Core, ushort Port)>();
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 2, clientPortFilter: (int core, in FlowKey flow) =>
        {
            lock (asked)
            {
                asked.Add((core, flow.LocalPort));
            }
            // Every fifth port: both cores (even and odd ports under RFD) keep some.
            return flow.LocalPort % 5 == 3;
        });
        using var listener = new FastSocket(pair.Server);
        listener.Bind(new IPEndPoint(IPAddress.Any, 80));
        listener.Listen();

        var ports = new List<int>();
        for (int i = 0; i < 20; i++)
        {
            ValueTask<FastSocket> accept = listener.AcceptAsync();
            using var client = new FastSocket(pair.Client);
            await client.ConnectAsync(pair.ServerEndPoint(80)).AsTask().WaitAsync(Limit);
            using FastSocket server = await accept.AsTask().WaitAsync(Limit);
            ports.Add(((IPEndPoint)client.LocalEndPoint!).Port);
        }

        Assert.All(ports, port => Assert.Equal(3, port % 5));
        Assert.Equal(ports.Count, ports.Distinct().Count());
        // Receive Flow Deliver still holds: each core was asked only about its own ports.
        lock (asked)
        {
            Assert.All(asked, a => Assert.Equal(a.Core, a.Port & pair.Client.PortMask));
        }
    }

    [Fact]
    public async Task AFilterThatRefusesEveryPortLeavesNoAddress()
    {
        using var pair = new StackPair(StackDesign.Fastsocket, serverCores: 1, clientCores: 1,
            clientPortFilter: static (int core, in FlowKey flow) => false);
        using var client = new FastSocket(pair.Client);

        SocketException error = await Assert.ThrowsAsync<SocketException>(
            () => client.ConnectAsync(pair.ServerEndPoint(80)).AsTask().WaitAsync(Limit));
        Assert.Equal(SocketError.AddressNotAvailable, error.SocketErrorCode);
    }
}
