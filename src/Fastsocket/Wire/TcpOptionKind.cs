namespace Fastsocket.Wire;

/// <summary>TCP option kinds (IANA registry).</summary>
public static class TcpOptionKind
{
    /// <summary>End of option list (RFC 9293 3.2); the parser stops here. One byte, no length.</summary>
    public const byte EndOfList = 0;
    /// <summary>No-operation padding (RFC 9293 3.2). One byte, no length.</summary>
    public const byte NoOperation = 1;
    /// <summary>Maximum segment size, length 4, SYN only (RFC 9293 3.7.1).</summary>
    public const byte MaximumSegmentSize = 2;
    /// <summary>Window scale shift, length 3, SYN only (RFC 7323 2).</summary>
    public const byte WindowScale = 3;
    /// <summary>SACK permitted, length 2, SYN only (RFC 2018).</summary>
    public const byte SackPermitted = 4;
    /// <summary>SACK blocks, length 2 + 8n (RFC 2018).</summary>
    public const byte Sack = 5;
    /// <summary>Timestamps TSval and TSecr, length 10 (RFC 7323 3).</summary>
    public const byte Timestamps = 8;
}
