using System.Net.Sockets;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// TCP's answer to an ICMP error about one of its connections, as a pure function of values (no connection object),
/// so the engine applies it and tests can enumerate it:
/// <list type="bullet">
/// <item>Only an error quoting a sequence number in [SND.UNA, SND.NXT) is believed (RFC 5927 section 4.1, as Linux):
/// a blind attacker must then guess a window, not just a 4-tuple.</item>
/// <item>Fragmentation needed lowers the path MTU to the next-hop MTU (RFC 1191), or, when the router gave none, to
/// the largest plateau of RFC 1191 section 7 below the quoted packet's length; never below <see cref="MinPathMtu"/>
/// (Linux's min_pmtu, against forged tiny MTUs) and never up.</item>
/// <item>In SYN-SENT, network, host, protocol and port unreachable (and the administrative kinds) abort the connect
/// with an error, as Linux does for its "fatal" codes; in SYN-RECEIVED the same drops the half-open connection.</item>
/// <item>Anything else in a synchronized state is a soft error (RFC 1122 4.2.3.9, RFC 5461): TCP's own timers
/// decide, and the error is what the user sees if they give up.</item>
/// </list>
/// </summary>
public static class IcmpErrorRules
{
    /// <summary>The smallest path MTU an ICMP error may set (Linux's net.ipv4.route.min_pmtu default).</summary>
    public const int MinPathMtu = 552;

    private static readonly int[] s_plateaus = [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68];

    /// <summary>The MTU plateaus of RFC 1191 section 7, largest first.</summary>
    public static ReadOnlySpan<int> Plateaus => s_plateaus;

    /// <summary>Decides what a connection in <paramref name="state"/> does about an ICMP error.</summary>
    /// <param name="kind">What the error says (<see cref="IcmpV4ErrorView.Kind"/>).</param>
    /// <param name="state">The connection's state.</param>
    /// <param name="quotedSequence">The sequence number in the quoted TCP header.</param>
    /// <param name="sndUna">The connection's SND.UNA.</param>
    /// <param name="sndNxt">The connection's SND.NXT.</param>
    /// <param name="currentPathMtu">The path MTU the connection uses now (IP header included).</param>
    /// <param name="nextHopMtu">The error's next-hop MTU; 0 when absent.</param>
    /// <param name="quotedTotalLength">The quoted packet's Total Length, for the plateau search.</param>
    public static IcmpErrorDecision Decide(IcmpErrorKind kind, TcpState state, SeqNumber quotedSequence, SeqNumber sndUna,
        SeqNumber sndNxt, int currentPathMtu, int nextHopMtu, int quotedTotalLength)
    {
        if (state is TcpState.Closed or TcpState.Listen or TcpState.TimeWait || kind == IcmpErrorKind.Unknown)
        {
            return IcmpErrorDecision.Ignore;
        }
        if (!quotedSequence.IsInRange(sndUna, sndNxt))
        {
            return IcmpErrorDecision.OutOfWindow;
        }
        if (kind == IcmpErrorKind.FragmentationNeeded)
        {
            int mtu = NewPathMtu(currentPathMtu, nextHopMtu, quotedTotalLength);
            return mtu < currentPathMtu
                ? new IcmpErrorDecision(IcmpErrorAction.LowerPathMtu, SocketError.Success, mtu)
                : IcmpErrorDecision.Ignore;
        }
        SocketError error = ErrorFor(kind);
        bool hard = kind != IcmpErrorKind.TimeExceeded;
        if (hard && state is TcpState.SynSent or TcpState.SynReceived)
        {
            return new IcmpErrorDecision(IcmpErrorAction.AbortConnection, error, 0);
        }
        return new IcmpErrorDecision(IcmpErrorAction.RecordSoftError, error, 0);
    }

    /// <summary>
    /// The path MTU after a fragmentation-needed error: the next-hop MTU, or without one the largest plateau below
    /// the quoted length; at most <paramref name="currentPathMtu"/> and at least <see cref="MinPathMtu"/>.
    /// </summary>
    public static int NewPathMtu(int currentPathMtu, int nextHopMtu, int quotedTotalLength)
    {
        int reported = nextHopMtu != 0 ? nextHopMtu : PlateauBelow(quotedTotalLength);
        return Math.Max(MinPathMtu, Math.Min(currentPathMtu, reported));
    }

    /// <summary>The largest RFC 1191 plateau strictly below <paramref name="length"/>; 68 (the IPv4 minimum) below that.</summary>
    public static int PlateauBelow(int length)
    {
        foreach (int plateau in s_plateaus)
        {
            if (plateau < length)
            {
                return plateau;
            }
        }
        return s_plateaus[^1];
    }

    /// <summary>The socket error an ICMP error kind reports, as Linux's icmp_err_convert maps the codes.</summary>
    public static SocketError ErrorFor(IcmpErrorKind kind) => kind switch
    {
        IcmpErrorKind.NetworkUnreachable => SocketError.NetworkUnreachable,
        IcmpErrorKind.ProtocolUnreachable or IcmpErrorKind.PortUnreachable => SocketError.ConnectionRefused,
        IcmpErrorKind.FragmentationNeeded => SocketError.MessageSize,
        _ => SocketError.HostUnreachable,
    };
}
