namespace Fastsocket.Bench;

/// <summary>
/// Registry of bench targets by design name. The CLI looks every requested design up here; a design
/// the paper names (<see cref="PaperDesigns"/>) but nothing registered is reported as unavailable,
/// never faked. The stack's targets are registered in <see cref="CreateDefault"/>.
/// </summary>
public sealed class BenchTargets
{
    /// <summary>The paper's three designs, in the order they are run and shown.</summary>
    public static readonly IReadOnlyList<string> PaperDesigns = ["base", "reuseport", "fastsocket"];

    /// <summary>The ablation: each Fastsocket mechanism alone on top of base (<see cref="Fastsocket.Stack.StackDesigns.Ablation"/>).</summary>
    public static readonly IReadOnlyList<string> AblationDesigns = Fastsocket.Stack.StackDesigns.Ablation;

    private readonly Dictionary<string, Func<IBenchTarget>> _factories = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>The registry the real CLI uses.</summary>
    public static BenchTargets Default { get; } = CreateDefault();

    /// <summary>The three Fastsocket.NET designs of the paper, then the kernel baselines.</summary>
    public static BenchTargets CreateDefault()
    {
        var targets = new BenchTargets();
        targets.Register("base", () => new StackBenchTarget(Fastsocket.Stack.StackDesign.Base));
        targets.Register("reuseport", () => new StackBenchTarget(Fastsocket.Stack.StackDesign.ReusePort));
        targets.Register("fastsocket", () => new StackBenchTarget(Fastsocket.Stack.StackDesign.Fastsocket));
        // The ablation: run with --designs base,base+local-listen,base+local-established,base+rfd,base+light-sockets,fastsocket.
        foreach (string ablation in AblationDesigns)
        {
            if (Fastsocket.Stack.StackDesigns.TryParse(ablation, out Fastsocket.Stack.StackMechanisms mechanisms))
            {
                targets.Register(ablation, () => new StackBenchTarget(mechanisms));
            }
        }
        // Kestrel on the stack and on kernel sockets: run with --designs kestrel-fastsocket,kestrel-kernel.
        targets.Register(KestrelBenchTarget.FastsocketDesign, () => new KestrelBenchTarget(overFastsocket: true));
        targets.Register(KestrelBenchTarget.KernelDesign, () => new KestrelBenchTarget(overFastsocket: false));
        targets.Register(KernelBenchTarget.SharedListenerDesign, () => new KernelBenchTarget(reusePort: false));
        if (OperatingSystem.IsLinux())
        {
            targets.Register(KernelBenchTarget.ReusePortDesign, () => new KernelBenchTarget(reusePort: true));
            targets.Register(KernelEpoll.EpollBenchTarget.DesignName, () => new KernelEpoll.EpollBenchTarget());
        }

        // The C reference, where nginx is installed: run with --designs nginx-kernel.
        if (NginxBenchTarget.IsAvailable)
        {
            targets.Register(NginxBenchTarget.DesignName, () => new NginxBenchTarget());
        }

        return targets;
    }

    /// <summary>Names of the kernel baselines (run unless <c>--no-kernel</c>) that are registered, in run order.</summary>
    public IReadOnlyList<string> KernelDesigns =>
        _order.Where(name => name.StartsWith(KernelBenchTarget.SharedListenerDesign, StringComparison.Ordinal)).ToList();

    /// <summary>Every registered design, in registration order.</summary>
    public IReadOnlyList<string> Names => _order;

    /// <summary>Registers (or replaces) the target for <paramref name="design"/>.</summary>
    public void Register(string design, Func<IBenchTarget> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(design);
        ArgumentNullException.ThrowIfNull(factory);
        if (!_factories.ContainsKey(design))
        {
            _order.Add(design);
        }

        _factories[design] = factory;
    }

    /// <summary>Whether <see cref="Create"/> knows <paramref name="design"/>.</summary>
    public bool IsRegistered(string design) => _factories.ContainsKey(design);

    /// <summary>A new target for <paramref name="design"/>; throws if it is not registered.</summary>
    public IBenchTarget Create(string design) =>
        _factories.TryGetValue(design, out var factory)
            ? factory()
            : throw new KeyNotFoundException($"No bench target is registered for design '{design}'.");
}
