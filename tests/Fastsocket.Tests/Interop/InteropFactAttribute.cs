namespace Fastsocket.Tests.Interop;

/// <summary>
/// A fact that talks to the real kernel through a TUN device inside a network namespace it creates. It is skipped,
/// with the reason, only where the machine cannot run it: not Linux, not root (namespaces and TUN need
/// CAP_NET_ADMIN), no /dev/net/tun, or a tool it drives is not installed.
/// </summary>
public sealed class InteropFactAttribute : FactAttribute
{
    public InteropFactAttribute(params string[] tools)
    {
        string? reason = InteropEnvironment.MissingRequirement(tools);
        if (reason is not null)
        {
            Skip = reason;
        }
    }
}
