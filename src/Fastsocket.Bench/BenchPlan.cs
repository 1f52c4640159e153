using System.Globalization;

namespace Fastsocket.Bench;

/// <summary>One run the bench will make: a design at one server core count.</summary>
public sealed record BenchPlan(string Design, BenchRunSpec Spec)
{
    /// <summary>How the live display names the run: the design and both core counts.</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture,
        $"{Design} ({Spec.ServerCores} server / {Spec.ClientCores} client cores)");

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
