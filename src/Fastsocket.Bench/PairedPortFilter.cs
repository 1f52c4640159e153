using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Wire;

namespace Fastsocket.Bench;

/// <summary>
/// Pairs client core i with server core i (mod the server cores) on the in-memory wire: client core i opens its
/// connections to the server only from source ports that the server NIC's RSS steers to that server core.
/// <para>
/// Why: on real hardware the NIC's DMA spreads packets over the receive queues at no cost to any core. On the
/// in-memory wire the transmitting core does that work, writing into one ring per peer queue; when every client
/// core's connections reach every server core, each flush splits into up to N ring hand-overs (a fence and a cache
/// line moved per ring), a cost that grows with the core count and that the stack under test would not pay behind
/// a real NIC. Paired, each core pair shares one ring each way. The server still steers by RSS alone; only the
/// load generator's choice of ports changes, as a load generator with one link per server queue would have it.
/// </para>
/// The server port's queue for each client address and source port is computed once, from the NIC's own RSS key
/// and indirection table, so the filter is a table lookup per candidate port.
/// </summary>
public sealed class PairedPortFilter
{
    private readonly IpAddress[] _clientAddresses;
    private readonly byte[][] _serverQueueByPort;
    private readonly IpAddress _server;
    private readonly ushort _serverPort;
    private readonly int _serverCores;

    /// <summary>Computes, for every client address and every port in the range, the server core RSS sends it to.</summary>
    /// <param name="serverNic">The server's NIC; its RSS key and indirection table are read once, here.</param>
    /// <param name="serverCores">Server cores, at most 255.</param>
    /// <param name="clientAddresses">The client stack's addresses.</param>
    /// <param name="server">The server's address.</param>
    /// <param name="serverPort">The server's listening port.</param>
    /// <param name="firstPort">The first client source port to compute (inclusive).</param>
    /// <param name="lastPort">The last client source port to compute (inclusive).</param>
    /// <exception cref="InvalidOperationException">The NIC has steering rules that could apply to the server port, so RSS alone would not decide.</exception>
    public PairedPortFilter(MultiQueueNic serverNic, int serverCores, IReadOnlyList<IpAddress> clientAddresses, IpAddress server,
        ushort serverPort, ushort firstPort, ushort lastPort)
    {
        ArgumentNullException.ThrowIfNull(serverNic);
        ArgumentNullException.ThrowIfNull(clientAddresses);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(serverCores, byte.MaxValue);
        // Steering rules come before RSS in the NIC; none may apply to the server port or the table below is wrong.
        if (serverNic.SteeringTable.ExactMatchCount != 0 || serverNic.SteeringTable.TryMatchPortMask(serverPort, out _))
        {
            throw new InvalidOperationException("the server NIC has steering rules for the server port; RSS alone does not decide its queue");
        }
        _clientAddresses = clientAddresses.ToArray();
        _server = server;
        _serverPort = serverPort;
        _serverCores = serverCores;
        _serverQueueByPort = new byte[_clientAddresses.Length][];
        for (int a = 0; a < _clientAddresses.Length; a++)
        {
            var table = new byte[ushort.MaxValue + 1];
            for (int port = firstPort; port <= lastPort; port++)
            {
                // As the server NIC sees the client's packets: source is the client, destination the server.
                uint hash = serverNic.RssHash.Hash(_clientAddresses[a], server, (ushort)port, serverPort);
                table[port] = (byte)serverNic.Indirection.QueueFor(hash);
            }
            _serverQueueByPort[a] = table;
        }
    }

    /// <summary>
    /// About how many source ports one client core has towards the server when paired: the ephemeral range, split
    /// between the client cores by Receive Flow Deliver (a power of two at least the core count), then between the
    /// server cores by RSS, times the client addresses.
    /// </summary>
    public static int PortsPerClientCore(int clientCores, int serverCores, int clientAddresses)
    {
        int range = StackOptions.DefaultEphemeralPortLast - StackOptions.DefaultEphemeralPortFirst + 1;
        return range / (FastsocketStack.PortMaskFor(clientCores) + 1) / serverCores * clientAddresses;
    }

    /// <summary>The server core a flow from <paramref name="clientCore"/> must reach.</summary>
    public int PairedServerCore(int clientCore) => clientCore % _serverCores;

    /// <summary>The server core the server NIC steers this client flow to.</summary>
    public int ServerCoreOf(in FlowKey flow)
    {
        for (int a = 0; a < _clientAddresses.Length; a++)
        {
            if (_clientAddresses[a] == flow.LocalAddress)
            {
                return _serverQueueByPort[a][flow.LocalPort];
            }
        }
        return -1;
    }

    /// <summary>The <see cref="EphemeralPortFilter"/>: flows to anything but the bench's server are left alone.</summary>
    public bool Allows(int core, in FlowKey flow) =>
        flow.RemotePort != _serverPort || flow.RemoteAddress != _server || ServerCoreOf(flow) == PairedServerCore(core);
}
