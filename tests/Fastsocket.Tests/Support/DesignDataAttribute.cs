using System.Reflection;
using Xunit.Sdk;

namespace Fastsocket.Tests.Support;

/// <summary>
/// Theory data that runs a test once under every <see cref="BenchDesign"/> (the same behavioural suite green
/// standalone and under base, reuseport and fastsocket). The design comes first among the test's parameters;
/// any values given here follow it, like <c>[InlineData]</c> repeated per design.
/// </summary>
public sealed class DesignDataAttribute : DataAttribute
{
    private readonly object?[] _values;

    /// <summary>One row per design, each followed by <paramref name="values"/>.</summary>
    public DesignDataAttribute(params object?[] values)
    {
        _values = values;
    }

    /// <inheritdoc />
    public override IEnumerable<object?[]> GetData(MethodInfo testMethod) =>
        Enum.GetValues<BenchDesign>().Select(design => new object?[] { design }.Concat(_values).ToArray());
}
