using System.Net.Sockets;

namespace Fastsocket.Tcp;

/// <summary>The outcome of <see cref="IcmpErrorRules.Decide"/>: an action and its operand.</summary>
public readonly record struct IcmpErrorDecision(IcmpErrorAction Action, SocketError Error, int PathMtu)
{
    /// <summary>Nothing to do.</summary>
    public static IcmpErrorDecision Ignore => new(IcmpErrorAction.Ignore, SocketError.Success, 0);

    /// <summary>The quoted segment is not one in flight.</summary>
    public static IcmpErrorDecision OutOfWindow => new(IcmpErrorAction.OutOfWindow, SocketError.Success, 0);
}
