namespace Fastsocket.Tests.Interop;

/// <summary>
/// An <see cref="InteropFactAttribute"/> that also needs the impairment relay (<see cref="ImpairmentRelay"/>): skipped,
/// with the reason, where gcc or libnetfilter-queue's header is missing, or where an interop test could not run.
/// </summary>
public sealed class ImpairmentFactAttribute : FactAttribute
{
    public ImpairmentFactAttribute(params string[] tools)
    {
        string? reason = InteropEnvironment.MissingRequirement(tools) ?? ImpairmentRelay.MissingRequirement();
        if (reason is not null)
        {
            Skip = reason;
        }
    }
}
