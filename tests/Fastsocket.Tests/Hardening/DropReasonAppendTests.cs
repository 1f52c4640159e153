using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

public sealed class DropReasonAppendTests
{
    [Fact]
    public void CountStaysLastAndValuesAreDense()
    {
        DropReason[] values = Enum.GetValues<DropReason>();
        Assert.Equal(DropReason.Count, values.Max());
        Assert.Equal(Enumerable.Range(0, (int)DropReason.Count + 1), values.Select(v => (int)v).Order());
    }

    [Fact]
    public void EarlierValuesKeepTheirNumbers()
    {
        // Appended, not inserted: anything that stored or exported a number keeps meaning the same reason.
        Assert.Equal(21, (int)DropReason.DeviceQueueFull);
        Assert.Equal(22, (int)DropReason.MartianSource);
    }

    [Fact]
    public void NamesAreUniqueIdentifiersUsableAsMetricTags()
    {
        string[] names = Enum.GetNames<DropReason>();
        Assert.Equal(names.Length, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names, n => Assert.Matches("^[A-Z][A-Za-z0-9]*$", n));
    }

    [Fact]
    public void TheNewReasonsAreCountedAndReported()
    {
        var counters = new DropCounters();
        DropReason[] added =
        [
            DropReason.MartianSource, DropReason.NonUnicastDestination, DropReason.LandAttack,
            DropReason.SynCookieRejected, DropReason.IcmpBadQuote, DropReason.IcmpQuoteMismatch,
        ];
        foreach (DropReason reason in added)
        {
            counters.Add(reason);
        }
        Assert.Equal(added.Length, counters.Total);
        Assert.Equal(added, counters.NonZero().Select(d => d.Reason).ToArray());
    }
}
