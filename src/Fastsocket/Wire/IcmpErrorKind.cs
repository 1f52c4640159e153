namespace Fastsocket.Wire;

/// <summary>
/// What an ICMP error says went wrong, with the RFC 792 / RFC 1812 codes of one meaning folded together, so that the
/// transport decides on meaning and IPv6's ICMPv6 errors can map onto the same values.
/// </summary>
public enum IcmpErrorKind : byte
{
    /// <summary>A destination-unreachable code this stack does not know (above 15): ignored, as Linux does.</summary>
    Unknown,

    /// <summary>Network unreachable or unknown (codes 0, 6, 9, 11).</summary>
    NetworkUnreachable,

    /// <summary>Host unreachable, unknown or isolated (codes 1, 7, 8, 10, 12).</summary>
    HostUnreachable,

    /// <summary>Protocol unreachable (code 2).</summary>
    ProtocolUnreachable,

    /// <summary>Port unreachable (code 3).</summary>
    PortUnreachable,

    /// <summary>Fragmentation needed and DF set (code 4), with the next-hop MTU of RFC 1191 when the router gave one.</summary>
    FragmentationNeeded,

    /// <summary>Source route failed (code 5).</summary>
    SourceRouteFailed,

    /// <summary>Communication administratively prohibited or precedence refused (codes 13, 14, 15; RFC 1812).</summary>
    AdministrativelyProhibited,

    /// <summary>Time exceeded in transit or in reassembly (type 11).</summary>
    TimeExceeded,
}
