namespace Fastsocket.Tests.Cli.Bench;

/// <summary>Tests that measure real loopback TCP run on their own, not beside CPU-heavy tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelBenchCollection
{
    public const string Name = "Kernel bench (not parallel)";
}
