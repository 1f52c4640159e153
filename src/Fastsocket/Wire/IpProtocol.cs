namespace Fastsocket.Wire;

/// <summary>IANA protocol numbers we handle.</summary>
public static class IpProtocol
{
    /// <summary>ICMP for IPv4 (RFC 792).</summary>
    public const byte Icmp = 1;
    /// <summary>TCP (RFC 9293).</summary>
    public const byte Tcp = 6;
    /// <summary>UDP (RFC 768); only the NIC's RSS hash looks at it, the stack drops it as unsupported.</summary>
    public const byte Udp = 17;
    /// <summary>ICMPv6 (RFC 4443); reserved for IPv6 support, not handled yet.</summary>
    public const byte IcmpV6 = 58;
}
