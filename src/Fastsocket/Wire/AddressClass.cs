namespace Fastsocket.Wire;

/// <summary>
/// The special-purpose classes of RFC 1122 section 3.2.1.3 and RFC 6890 that decide whether an address may appear
/// as a packet's source or destination. Family-independent: IPv6 maps its own prefixes onto the same classes.
/// </summary>
public enum AddressClass : byte
{
    /// <summary>An ordinary host address.</summary>
    Unicast,

    /// <summary>"This network" (IPv4 0.0.0.0/8, RFC 1122 {0, host}) or the IPv6 unspecified address ::.</summary>
    ThisNetwork,

    /// <summary>Loopback: IPv4 127.0.0.0/8, IPv6 ::1.</summary>
    Loopback,

    /// <summary>Multicast: IPv4 224.0.0.0/4, IPv6 ff00::/8.</summary>
    Multicast,

    /// <summary>IPv4 240.0.0.0/4 ("reserved for future use", class E) other than the limited broadcast.</summary>
    Reserved,

    /// <summary>The IPv4 limited broadcast 255.255.255.255.</summary>
    LimitedBroadcast,
}
