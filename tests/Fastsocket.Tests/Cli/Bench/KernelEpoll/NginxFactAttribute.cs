using Fastsocket.Bench;

namespace Fastsocket.Tests.Cli.Bench.KernelEpoll;

/// <summary>A fact that starts nginx; skipped, with the reason the bench itself gives, where nginx is not installed.</summary>
public sealed class NginxFactAttribute : FactAttribute
{
    public NginxFactAttribute()
    {
        if (NginxBenchTarget.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
