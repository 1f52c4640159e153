namespace Fastsocket.Tests.Architecture;

/// <summary>
/// Layers named by the second part of a namespace under <see cref="Root"/> (<c>Fastsocket.Tcp</c>,
/// <c>Fastsocket.Devices.Tun</c> belongs to Devices), and which other layers each may use. A reference from a listed
/// layer to a layer it is not allowed (upward, sideways, or unlisted) is a violation; types outside the listed layers
/// are not checked as sources.
/// </summary>
internal sealed class LayerMap(string root, IReadOnlyDictionary<string, string[]> allowed)
{
    public string Root { get; } = root;

    public string? LayerOf(Type type)
    {
        // A nested type (a closure, a state machine) reports its outer type's namespace.
        string? ns = type.Namespace;
        if (ns is null || !ns.StartsWith(Root + ".", StringComparison.Ordinal))
        {
            return null;
        }
        string rest = ns[(Root.Length + 1)..];
        int dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    /// <summary>One line per forbidden reference: source type, referenced type, and where it was found.</summary>
    public List<string> Violations(IEnumerable<Type> types)
    {
        var violations = new List<string>();
        foreach (Type type in types)
        {
            string? layer = LayerOf(type);
            if (layer is null || !allowed.TryGetValue(layer, out string[]? may))
            {
                continue;
            }
            foreach ((Type referenced, string where) in TypeReferences.Of(type))
            {
                string? target = LayerOf(referenced);
                if (target is null || target == layer || may.Contains(target))
                {
                    continue;
                }
                violations.Add($"{layer} -> {target}: {type.FullName} uses {referenced.FullName} ({where})");
            }
        }
        return violations.Distinct().ToList();
    }
}
