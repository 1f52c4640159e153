namespace Fastsocket.Wire;

/// <summary>Whether a received packet's source address is one a host may take a packet from.</summary>
public enum SourceVerdict : byte
{
    /// <summary>A source the stack may process and answer.</summary>
    Acceptable,

    /// <summary>An address no host sends from on this device (RFC 1122 3.2.1.3): drop as <see cref="DropReason.MartianSource"/>.</summary>
    Martian,

    /// <summary>One of our own addresses, on a device that is not loopback: drop as <see cref="DropReason.LandAttack"/>.</summary>
    OwnAddress,
}
