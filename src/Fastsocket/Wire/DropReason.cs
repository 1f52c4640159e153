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
    Count,
}
