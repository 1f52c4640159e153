// Synthetic layers for checking the layering checker itself: each type in Low refers to High in one way only.
#pragma warning disable CA1812, CA1822, CA1823, CS0169, CS0649, IDE0051, IDE0052
namespace LayeringFixture.High
{
    internal class Engine
    {
        public Low.Plain Down { get; } = new();
    }

    internal interface IEngine;
}

namespace LayeringFixture.Low
{
    internal sealed class Plain;

    internal sealed class ThroughField
    {
        private High.Engine? _engine;
    }

    internal sealed class ThroughBase : High.Engine;

    internal sealed class ThroughInterface : High.IEngine;

    internal sealed class ThroughParameter
    {
        public void Use(High.Engine engine) => GC.KeepAlive(engine);
    }

    internal sealed class ThroughReturn
    {
        public object? Make() => null;

        public High.Engine? Make(int unused) => null;
    }

    internal sealed class ThroughGenericArgument
    {
        private List<Dictionary<int, High.Engine[]>>? _engines;
    }

    internal sealed class ThroughBodyOnly
    {
        public int Count() => new High.Engine().GetHashCode();
    }

    internal sealed class ThroughLambda
    {
        public Func<object> Run() => () => new High.Engine();
    }
}
