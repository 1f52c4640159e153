namespace Fastsocket.Wire;

/// <summary>Why a received packet was dropped. Every drop is counted under exactly one reason.</summary>
public enum DropReason
{
    None = 0,
    Truncated,
    UnsupportedIpVersion,
    BadIpHeaderLength,
    BadIpTotalLength,
    BadIpChecksum,
    Fragment,
    NotForThisHost,
    UnsupportedProtocol,
    BadTcpHeaderLength,
    BadTcpChecksum,
    MalformedTcpOption,
    BadTcpFlags,
    BadIcmp,
    BadIcmpChecksum,
    TcpNoListener,
    TcpOutOfWindow,
    TcpPawsRejected,
    TcpListenQueueFull,
    TcpBadAck,
    TcpRateLimited,
    DeviceQueueFull,

    /// <summary>A source address no host may send from (RFC 1122 3.2.1.3): this-network, multicast, broadcast, class E, or loopback off the loopback device.</summary>
    MartianSource,

    /// <summary>A destination that is not one unicast host (multicast, broadcast, this-network, class E); TCP never answers those.</summary>
    NonUnicastDestination,

    /// <summary>A packet that claims to come from one of our own addresses but arrived on a device that is not loopback (a "land" attack).</summary>
    LandAttack,

    /// <summary>An ACK for a listener that carried no valid SYN cookie (forged, expired or for another 4-tuple).</summary>
    SynCookieRejected,

    /// <summary>An ICMP error whose quoted packet is malformed or too short to name a TCP flow.</summary>
    IcmpBadQuote,

    /// <summary>An ICMP error that quotes no connection of ours, or a sequence number outside SND.UNA..SND.NXT (RFC 5927).</summary>
    IcmpQuoteMismatch,

    // Count stays last: DropCounters sizes its array by it.
    Count,
}
