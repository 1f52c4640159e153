namespace Fastsocket.Tests.Packetdrill;

/// <summary>A theory that runs packetdrill scripts; skipped, with the reason, only where the machine cannot build or run packetdrill.</summary>
public sealed class PacketdrillTheoryAttribute : TheoryAttribute
{
    public PacketdrillTheoryAttribute()
    {
        string? reason = PacketdrillEnvironment.MissingRequirement();
        if (reason is not null)
        {
            Skip = reason;
        }
    }
}
