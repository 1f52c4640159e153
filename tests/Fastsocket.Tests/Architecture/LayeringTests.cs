using Fastsocket.Stack;
using Fastsocket.Tcp;

namespace Fastsocket.Tests.Architecture;

/// <summary>
/// Dependencies in the Fastsocket assembly point one way, down: Wire, Time and Interop use nothing of ours; Tcp uses
/// Wire and Time; Devices uses Wire, Time and Interop; the engine (Stack) uses those; Sockets and Simulation sit on
/// top. A lower layer owns the interfaces an upper one implements (<see cref="ITcpHost"/>, <see cref="ITcpListener"/>).
/// </summary>
public class LayeringTests
{
    private static readonly string[] Below = ["Wire", "Time", "Interop", "Tcp", "Devices", "Stack"];

    internal static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Wire"] = [],
        ["Time"] = [],
        ["Interop"] = [],
        ["Tcp"] = ["Wire", "Time"],
        ["Devices"] = ["Wire", "Time", "Interop"],
        ["Stack"] = ["Tcp", "Devices", "Wire", "Time", "Interop"],
        ["Sockets"] = Below,
        ["Simulation"] = [.. Below, "Sockets"],
        // The meter reads the stacks from above; the stack announces itself through LiveStacks and never calls up.
        ["Diagnostics"] = Below,
    };

    private static Type[] FastsocketTypes => typeof(TcpConnection).Assembly.GetTypes();

    [Fact]
    public void EveryLayerOfTheAssemblyIsInTheMap()
    {
        var map = new LayerMap("Fastsocket", Allowed);
        string[] unmapped = FastsocketTypes.Select(map.LayerOf).OfType<string>().Distinct()
            .Where(layer => !Allowed.ContainsKey(layer)).ToArray();
        // A new folder must take its place in the map rather than go unchecked.
        Assert.Empty(unmapped);
    }

    [Fact]
    public void NoLayerReferencesALayerAboveIt()
    {
        List<string> violations = new LayerMap("Fastsocket", Allowed).Violations(FastsocketTypes);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void TheCheckerSeesTheEngineUsingTcp()
    {
        // The same check with Stack forbidden to use Tcp must fail, on the engine's field, signatures and bodies.
        var forbidding = new Dictionary<string, string[]>(Allowed) { ["Stack"] = ["Devices", "Wire", "Time", "Interop"] };
        List<string> violations = new LayerMap("Fastsocket", forbidding).Violations(FastsocketTypes);
        Assert.Contains(violations, v => v.StartsWith("Stack -> Tcp: Fastsocket.Stack.NetworkEngine uses Fastsocket.Tcp.TcpConnection (field", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("Stack -> Tcp: Fastsocket.Stack.NetworkEngine uses Fastsocket.Tcp.ITcpHost (interface", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("Stack -> Tcp: Fastsocket.Stack.Listener uses Fastsocket.Tcp.ITcpListener (interface", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(typeof(LayeringFixture.Low.ThroughField), "field _engine")]
    [InlineData(typeof(LayeringFixture.Low.ThroughBase), "base type")]
    [InlineData(typeof(LayeringFixture.Low.ThroughInterface), "interface")]
    [InlineData(typeof(LayeringFixture.Low.ThroughParameter), "parameter engine of Use")]
    [InlineData(typeof(LayeringFixture.Low.ThroughReturn), "return of Make")]
    [InlineData(typeof(LayeringFixture.Low.ThroughGenericArgument), "field _engines")]
    [InlineData(typeof(LayeringFixture.Low.ThroughBodyOnly), "body of Count")]
    [InlineData(typeof(LayeringFixture.Low.ThroughLambda), "body of <Run>")]
    public void TheCheckerFindsEachKindOfUpwardReference(Type source, string where)
    {
        var map = new LayerMap("LayeringFixture", new Dictionary<string, string[]> { ["Low"] = [], ["High"] = ["Low"] });
        Type[] types = [source, .. source.GetNestedTypes(System.Reflection.BindingFlags.NonPublic), typeof(LayeringFixture.High.Engine)];
        List<string> violations = map.Violations(types);
        Assert.Contains(violations, v => v.StartsWith("Low -> High: ", StringComparison.Ordinal) &&
                                         v.Contains("LayeringFixture.High.", StringComparison.Ordinal) &&
                                         v.Contains("(" + where, StringComparison.Ordinal));
    }

    [Fact]
    public void TheCheckerAllowsDownwardReferences()
    {
        var map = new LayerMap("LayeringFixture", new Dictionary<string, string[]> { ["Low"] = [], ["High"] = ["Low"] });
        Assert.Empty(map.Violations([typeof(LayeringFixture.High.Engine), typeof(LayeringFixture.Low.Plain)]));
    }
}
