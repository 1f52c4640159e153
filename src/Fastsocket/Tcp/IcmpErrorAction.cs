namespace Fastsocket.Tcp;

/// <summary>What a connection does about an ICMP error that names it (see <see cref="IcmpErrorRules"/>).</summary>
public enum IcmpErrorAction : byte
{
    /// <summary>Nothing: the error means nothing in this state, or the MTU it reports is no lower than the current one.</summary>
    Ignore,

    /// <summary>The quoted sequence number is outside SND.UNA..SND.NXT: likely forged (RFC 5927 section 4.1); drop and count.</summary>
    OutOfWindow,

    /// <summary>Lower the path MTU to <see cref="IcmpErrorDecision.PathMtu"/> and resend what no longer fits (RFC 1191).</summary>
    LowerPathMtu,

    /// <summary>
    /// End the connection with <see cref="IcmpErrorDecision.Error"/>: a hard error during connect (SYN-SENT; Linux
    /// fails connect(2) at once), or, in SYN-RECEIVED, drop the half-open connection silently (nobody holds it yet).
    /// </summary>
    AbortConnection,

    /// <summary>
    /// Remember <see cref="IcmpErrorDecision.Error"/> as the connection's soft error (RFC 1122 4.2.3.9), reported
    /// instead of TimedOut only if the connection later gives up retransmitting, as Linux's sk_err_soft.
    /// </summary>
    RecordSoftError,
}
