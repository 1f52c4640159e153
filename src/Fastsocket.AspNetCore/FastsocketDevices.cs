using Fastsocket.Devices;

namespace Fastsocket.AspNetCore;

/// <summary>What a device factory is asked for: the argument after "KIND:", the core count and the parsed options.</summary>
public sealed record FastsocketDeviceRequest(string Argument, int Cores, FastsocketTransportOptions Options);

/// <summary>
/// Devices named by FASTSOCKET_DEVICE=KIND:ARGUMENT. "memory" and "tun" (the multi-queue TUN device, "tun:NAME") are
/// built in; other kinds register a factory here, taking the argument and the core count, so the environment-only
/// path can open them without this assembly depending on their code.
/// </summary>
public static class FastsocketDevices
{
    /// <summary>
    /// The built-in kind "memory" (no argument): the in-memory network, for which <see cref="Resolve(string?)"/> returns
    /// null. It cannot be registered over.
    /// </summary>
    public const string Memory = "memory";

    private static readonly Dictionary<string, Registration> s_factories = new(StringComparer.OrdinalIgnoreCase)
    {
        // Only a delegate to FastsocketTunDevice: nothing Linux-specific runs until a tun device is asked for, and
        // then a runtime check refuses other operating systems with a message.
        [FastsocketTunDevice.Kind] = new(FastsocketTunDevice.Open, FastsocketTunDevice.Validate),
    };

    private static readonly Lock s_lock = new();

    /// <summary>Registers (or replaces) the factory for <paramref name="kind"/>.</summary>
    public static void Register(string kind, Func<string, int, IMultiQueueDevice> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Register(kind, request => factory(request.Argument, request.Cores));
    }

    /// <summary>
    /// Registers (or replaces) a factory that also sees the transport options (addresses, for example);
    /// <paramref name="validate"/>, when given, checks the argument and options when FASTSOCKET_DEVICE is read, so a
    /// bad configuration fails start-up rather than Kestrel's first bind.
    /// </summary>
    public static void Register(string kind, Func<FastsocketDeviceRequest, IMultiQueueDevice> factory,
        Action<string, FastsocketTransportOptions>? validate = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(factory);
        lock (s_lock)
        {
            s_factories[kind] = new Registration(factory, validate);
        }
    }

    /// <summary>
    /// The device factory for a FASTSOCKET_DEVICE value: null for the in-memory network, else a factory of cores.
    /// Throws with the list of known kinds when nothing is registered for the kind.
    /// </summary>
    public static Func<int, IMultiQueueDevice>? Resolve(string? specification) =>
        Resolve(specification, new FastsocketTransportOptions());

    /// <summary>The same, with the options the factory is handed (read when the device is opened).</summary>
    public static Func<int, IMultiQueueDevice>? Resolve(string? specification, FastsocketTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(specification) || string.Equals(specification.Trim(), Memory, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string spec = specification.Trim();
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? spec : spec[..colon];
        string argument = colon < 0 ? string.Empty : spec[(colon + 1)..];
        Registration? registration;
        string known;
        lock (s_lock)
        {
            s_factories.TryGetValue(kind, out registration);
            known = string.Join(", ", new[] { Memory }.Concat(s_factories.Keys.Select(k => k + ":...")));
        }
        if (registration is null)
        {
            throw new InvalidOperationException($"FASTSOCKET_DEVICE={spec}: no device of kind '{kind}' is available in this build (known: {known})");
        }
        registration.Validate?.Invoke(argument, options);
        Func<FastsocketDeviceRequest, IMultiQueueDevice> factory = registration.Factory;
        return cores => factory(new FastsocketDeviceRequest(argument, cores, options));
    }

    private sealed record Registration(Func<FastsocketDeviceRequest, IMultiQueueDevice> Factory, Action<string, FastsocketTransportOptions>? Validate);
}
