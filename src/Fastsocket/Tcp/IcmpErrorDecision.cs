using System.Net.Sockets;

namespace Fastsocket.Tcp;

/// <summary>The outcome of <see cref="IcmpErrorRules.Decide"/>: an action and its operand.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Error">For <see cref="IcmpErrorAction.AbortConnection"/> and <see cref="IcmpErrorAction.RecordSoftError"/>: the error to report.</param>
/// <param name="PathMtu">For <see cref="IcmpErrorAction.LowerPathMtu"/>: the new path MTU, IP header included.</param>
public readonly record struct IcmpErrorDecision(IcmpErrorAction Action, SocketError Error, int PathMtu)
{
    /// <summary>Nothing to do.</summary>
    public static IcmpErrorDecision Ignore => new(IcmpErrorAction.Ignore, SocketError.Success, 0);

    /// <summary>The quoted segment is not one in flight.</summary>
    public static IcmpErrorDecision OutOfWindow => new(IcmpErrorAction.OutOfWindow, SocketError.Success, 0);
}
