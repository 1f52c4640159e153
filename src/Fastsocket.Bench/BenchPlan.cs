using System.Globalization;

namespace Fastsocket.Bench;

/// <summary>One run the bench will make: a design at one server core count.</summary>
public sealed record BenchPlan(string Design, BenchRunSpec Spec)
{
    /// <summary>How the live display names the run: the design, the SYN flood if any, and both core counts.</summary>
    public string Label => Spec.SynFloodPps > 0
        ? string.Create(CultureInfo.InvariantCulture,
            $"{Design} under a {Spec.SynFloodPps:N0}/s SYN flood ({Spec.ServerCores} server / {Spec.ClientCores} client cores)")
        : string.Create(CultureInfo.InvariantCulture,
            $"{Design} ({Spec.ServerCores} server / {Spec.ClientCores} client cores)");

    /// <summary>
    /// <paramref name="plans"/> with, right after each run of a Fastsocket.NET design (<see cref="BenchTargets.PaperDesigns"/>),
    /// the same run under a SYN flood of <paramref name="pps"/> spoofed SYNs a second, so the legitimate rate under attack
    /// stands beside the rate without it. The kernel baselines and Kestrel are not flooded. 0 returns the plans unchanged.
    /// </summary>
    public static IReadOnlyList<BenchPlan> WithSynFlood(IReadOnlyList<BenchPlan> plans, int pps)
    {
        ArgumentNullException.ThrowIfNull(plans);
        ArgumentOutOfRangeException.ThrowIfNegative(pps);
        if (pps == 0)
        {
            return plans;
        }

        var flooded = new List<BenchPlan>(plans.Count * 2);
        foreach (var plan in plans)
        {
            flooded.Add(plan);
            if (BenchTargets.PaperDesigns.Contains(plan.Design, StringComparer.Ordinal))
            {
                flooded.Add(plan with { Spec = plan.Spec.WithSynFlood(pps) });
            }
        }

        return flooded;
    }

    /// <summary>
    /// Every run, ordered by server core count and, within one, kernel baselines first and then the
    /// designs as given, so each ratio's baseline was measured moments before it. With <paramref name="clientCoresMatchServer"/>
    /// each run gets as many client cores as server cores, so the load grows with the server being measured.
    /// </summary>
    public static IReadOnlyList<BenchPlan> Build(IEnumerable<string> designs, IEnumerable<int> serverCores, BenchRunSpec spec,
        bool clientCoresMatchServer = false)
    {
        ArgumentNullException.ThrowIfNull(designs);
        ArgumentNullException.ThrowIfNull(serverCores);
        ArgumentNullException.ThrowIfNull(spec);
        var designList = designs.Distinct(StringComparer.Ordinal).ToList();
        return serverCores.Distinct()
            .SelectMany(cores => designList.Select(design => new BenchPlan(design,
                spec.WithCores(cores, clientCoresMatchServer ? cores : spec.ClientCores))))
            .ToList();
    }
}
