namespace Fastsocket.Wire;

/// <summary>The ECN field of the IP header (RFC 3168 5): the lower two bits of the IPv4 TOS byte or IPv6 traffic class.</summary>
public static class EcnCodepoint
{
    /// <summary>The two bits of the field.</summary>
    public const byte Mask = 0b11;

    /// <summary>Not-ECT: the sender does not use ECN.</summary>
    public const byte NotEct = 0b00;

    /// <summary>ECT(1): ECN-capable transport (RFC 3168 leaves ECT(1) to other uses; TCP senders use ECT(0)).</summary>
    public const byte Ect1 = 0b01;

    /// <summary>ECT(0): ECN-capable transport, the codepoint TCP senders set (RFC 3168 5).</summary>
    public const byte Ect0 = 0b10;

    /// <summary>CE: congestion experienced, set by a router instead of dropping the packet.</summary>
    public const byte CongestionExperienced = 0b11;
}
