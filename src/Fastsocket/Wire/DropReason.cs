namespace Fastsocket.Wire;

/// <summary>Why a received packet was dropped. Every drop is counted under exactly one reason.</summary>
public enum DropReason
{
    /// <summary>Not a drop: the value a successful <c>TryParse</c> reports. Excluded from <see cref="DropCounters.Total"/>.</summary>
    None = 0,
    /// <summary>The packet, or the TCP segment inside it, is shorter than its fixed header (20 bytes for IPv4 and TCP), or is empty.</summary>
    Truncated,
    /// <summary>The IP version nibble is not 4. IPv6 lands here until the stack speaks it.</summary>
    UnsupportedIpVersion,
    /// <summary>The IPv4 IHL is below 5 words (20 bytes) or runs past the received buffer.</summary>
    BadIpHeaderLength,
    /// <summary>The IPv4 Total Length is smaller than the header or larger than the bytes received.</summary>
    BadIpTotalLength,
    /// <summary>The IPv4 header checksum does not verify (RFC 791, RFC 1071).</summary>
    BadIpChecksum,
    /// <summary>The packet is an IPv4 fragment (MF set or a non-zero offset). We never fragment and do not reassemble.</summary>
    Fragment,
    /// <summary>The destination address is not one of the receiving engine's local addresses; we do not forward.</summary>
    NotForThisHost,
    /// <summary>The IPv4 protocol is neither TCP nor ICMP.</summary>
    UnsupportedProtocol,
    /// <summary>The TCP data offset is below 5 words (20 bytes) or runs past the segment.</summary>
    BadTcpHeaderLength,
    /// <summary>The TCP checksum, computed over the pseudo-header and the whole segment, does not verify (RFC 9293 3.1).</summary>
    BadTcpChecksum,
    /// <summary>The options area is malformed: an option's length byte is missing, below 2, or runs past the area (see <see cref="TcpOptions.TryParse"/>).</summary>
    MalformedTcpOption,
    /// <summary>An impossible flag combination, such as SYN with FIN or SYN with RST (scanner traffic).</summary>
    BadTcpFlags,
    /// <summary>An ICMP message shorter than its 8-byte header, or an echo request too large to answer from the engine's transmit buffer.</summary>
    BadIcmp,
    /// <summary>The ICMP checksum over the whole message does not verify (RFC 792).</summary>
    BadIcmpChecksum,
    /// <summary>A segment for no connection, TIME-WAIT record or listener; the engine answers it with a RST unless it is one (RFC 9293 3.10.7.1).</summary>
    TcpNoListener,
    /// <summary>A segment outside the receive window, answered with an ACK (RFC 9293 3.10.7.4), or a RST outside it, dropped silently (RFC 5961 3.2).</summary>
    TcpOutOfWindow,
    /// <summary>A segment whose timestamp is older than TS.Recent, rejected by PAWS (RFC 7323 5.3) and answered with an ACK.</summary>
    TcpPawsRejected,
    /// <summary>A SYN dropped because the listener's accept queue holds its backlog, or queued plus half-open connections exceed 1.5 times the backlog; the peer's retransmission may get in later.</summary>
    TcpListenQueueFull,
    /// <summary>An unacceptable ACK: in SYN-SENT or SYN-RECEIVED outside (ISS, SND.MAX], or later above SND.MAX, or older than SND.UNA minus the largest window (RFC 9293 3.10.7, RFC 5961 5.2).</summary>
    TcpBadAck,
    /// <summary>A challenge ACK suppressed because the connection already sent its per-second quota (RFC 5961 7).</summary>
    TcpRateLimited,
    /// <summary>A packet that had to cross to its owning core was dropped because that core's hand-off queue was full.</summary>
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

    /// <summary>The number of reasons, for sizing counter arrays; not a reason. New reasons go above it.</summary>
    Count,
}
