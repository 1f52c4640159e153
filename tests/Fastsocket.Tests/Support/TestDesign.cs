using Fastsocket.Stack;

namespace Fastsocket.Tests.Support;

/// <summary>
/// The stack design the packet-by-packet benches of the current test use. Set by the constructors of the design
/// variants (see Tcp/DesignVariants.cs), so the same behavioural suite runs under base, reuseport and fastsocket.
/// </summary>
public static class TestDesign
{
    private static readonly AsyncLocal<StackDesign?> Ambient = new();

    public static StackDesign? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }
}
