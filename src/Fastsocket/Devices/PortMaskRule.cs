namespace Fastsocket.Devices;

/// <summary>Steers packets whose local (destination) port satisfies (port &amp; Mask) == Value to Queue.</summary>
public readonly record struct PortMaskRule(ushort Value, ushort Mask, int Queue)
{
    /// <summary>True when <paramref name="port"/> (host byte order) has <see cref="Value"/> in the bits of <see cref="Mask"/>.</summary>
    public bool Matches(ushort port) => (port & Mask) == Value;
}
