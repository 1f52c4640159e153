using Fastsocket.Devices;

namespace Fastsocket.AspNetCore;

/// <summary>
/// Devices named by FASTSOCKET_DEVICE=KIND:ARGUMENT. "memory" is built in; other kinds (the multi-queue TUN device,
/// "tun:NAME") register a factory here, taking the argument and the core count, so the environment-only path can
/// open them without this assembly depending on their code.
/// </summary>
public static class FastsocketDevices
{
    public const string Memory = "memory";

    private static readonly Dictionary<string, Func<string, int, IMultiQueueDevice>> s_factories = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Lock s_lock = new();

    /// <summary>Registers (or replaces) the factory for <paramref name="kind"/>.</summary>
    public static void Register(string kind, Func<string, int, IMultiQueueDevice> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(factory);
        lock (s_lock)
        {
            s_factories[kind] = factory;
        }
    }

    /// <summary>
    /// The device factory for a FASTSOCKET_DEVICE value: null for the in-memory network, else a factory of cores.
    /// Throws with the list of known kinds when nothing is registered for the kind.
    /// </summary>
    public static Func<int, IMultiQueueDevice>? Resolve(string? specification)
    {
        if (string.IsNullOrWhiteSpace(specification) || string.Equals(specification.Trim(), Memory, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string spec = specification.Trim();
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? spec : spec[..colon];
        string argument = colon < 0 ? string.Empty : spec[(colon + 1)..];
        Func<string, int, IMultiQueueDevice>? factory;
        string known;
        lock (s_lock)
        {
            s_factories.TryGetValue(kind, out factory);
            known = string.Join(", ", new[] { Memory }.Concat(s_factories.Keys.Select(k => k + ":...")));
        }
        if (factory is null)
        {
            throw new InvalidOperationException($"FASTSOCKET_DEVICE={spec}: no device of kind '{kind}' is available in this build (known: {known})");
        }
        return cores => factory(argument, cores);
    }
}
