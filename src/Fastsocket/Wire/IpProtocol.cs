namespace Fastsocket.Wire;

/// <summary>IANA protocol numbers we handle.</summary>
public static class IpProtocol
{
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte IcmpV6 = 58;
}
