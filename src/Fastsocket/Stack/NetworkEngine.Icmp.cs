using System.Buffers.Binary;
using Fastsocket.Devices;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// ICMP errors (destination unreachable, time exceeded) about our TCP connections: the quoted segment names the
/// connection, the owning core applies <see cref="IcmpErrorRules"/> through <see cref="TcpConnection.OnIcmpError"/>.
/// </summary>
public sealed partial class NetworkEngine
{
    /// <summary>
    /// An ICMP message that is not an echo request. Errors whose quote is malformed are dropped under
    /// <see cref="DropReason.IcmpBadQuote"/>; errors that name no connection of ours under
    /// <see cref="DropReason.IcmpQuoteMismatch"/>; other ICMP types are ignored as before. The router that sent the
    /// error is not the peer, so only the quote is checked, against our address and the connection's window.
    /// </summary>
    private void ReceiveIcmpError(in IcmpV4Packet icmp, ReadOnlySpan<byte> packet)
    {
        if (!IcmpV4ErrorView.TryParse(icmp, out IcmpV4ErrorView error, out DropReason reason))
        {
            if (reason != DropReason.None)
            {
                Statistics.Drops.Add(reason);
            }
            return;
        }
        if (error.QuotedProtocol != IpProtocol.Tcp || !IsLocalAddress(error.QuotedSource))
        {
            Statistics.Drops.Add(DropReason.IcmpQuoteMismatch);
            return;
        }
        FlowKey key = error.QuotedFlow;
        if (TryFindConnection(key, out TcpConnection? connection))
        {
            int owner = connection!.CoreId;
            if (owner != CoreId && !_fromHandoff)
            {
                // base and reuseport: the shared table names the owner; the error crosses like any of its packets.
                HandOff(owner, packet);
                return;
            }
            connection.OnIcmpError(error.Kind, new SeqNumber(error.QuotedSequenceNumber), error.NextHopMtu, error.QuotedTotalLength);
            return;
        }
        if (_receiveFlowDeliver && !_fromHandoff)
        {
            // An ICMP error carries no ports in its own header, so the NIC steers it by addresses, often to another
            // core than the connection's. Receive Flow Deliver finds the owner from the quoted ports.
            int owner = IcmpOwnerElsewhere(key);
            if (owner >= 0)
            {
                Statistics.RfdHandoffs++;
                HandOff(owner, packet);
                return;
            }
        }
        Statistics.Drops.Add(DropReason.IcmpQuoteMismatch);
    }

    /// <summary>
    /// The core (not this one) that owns the connection <paramref name="key"/> names in the fastsocket design, or -1:
    /// an active port names its core; a passive connection lives on the core whose queue the NIC gives its packets,
    /// which a multi-queue NIC model tells from a TCP header built from the quote.
    /// </summary>
    private int IcmpOwnerElsewhere(in FlowKey key)
    {
        if (IsActivePort(key.LocalPort))
        {
            return RfdOwnerElsewhere(key.LocalPort);
        }
        if (Stack!.Options.Device is not MultiQueueNic nic)
        {
            return -1;
        }
        // The peer's segments of this flow: from the remote end to us. 40 bytes: an IPv4 header and a bare TCP header.
        Span<byte> probe = stackalloc byte[IPv4Header.Length + TcpHeader.MinLength];
        probe.Clear();
        IPv4Header.Write(probe, key.RemoteAddress, key.LocalAddress, IpProtocol.Tcp, TcpHeader.MinLength, 0);
        BinaryPrimitives.WriteUInt16BigEndian(probe[IPv4Header.Length..], key.RemotePort);
        BinaryPrimitives.WriteUInt16BigEndian(probe[(IPv4Header.Length + 2)..], key.LocalPort);
        probe[IPv4Header.Length + 12] = TcpHeader.MinLength / 4 << 4;
        int queue = nic.Classify(probe, out SteeringDecision decision);
        return decision != SteeringDecision.Unclassified && queue != CoreId && queue < Stack.CoreCount ? queue : -1;
    }
}
