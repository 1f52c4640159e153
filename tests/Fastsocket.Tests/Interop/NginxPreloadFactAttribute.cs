using Fastsocket.Tests.Packetdrill;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// A fact that runs nginx under the LD_PRELOAD interposer: it needs what interop tests need (Linux, root, TUN, the
/// tools) and what publishing libfastsocket.so through the packetdrill fixture needs (which it shares); skipped with the
/// reason otherwise.
/// </summary>
public sealed class NginxPreloadFactAttribute : FactAttribute
{
    public NginxPreloadFactAttribute(params string[] tools)
    {
        string? reason = InteropEnvironment.MissingRequirement(tools) ?? PacketdrillEnvironment.MissingRequirement();
        if (reason is not null)
        {
            Skip = reason;
        }
    }
}
