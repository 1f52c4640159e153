namespace Fastsocket.Devices;

/// <summary>Steers packets whose local (destination) port satisfies (port &amp; Mask) == Value to Queue.</summary>
public readonly record struct PortMaskRule(ushort Value, ushort Mask, int Queue)
{
    public bool Matches(ushort port) => (port & Mask) == Value;
}
