namespace Fastsocket.Tests.Interop;

/// <summary>
/// Interop tests run one at a time and alone: each pushes real load through the kernel, and timing-sensitive
/// tests elsewhere should not share the CPU with it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InteropCollection
{
    public const string Name = "Interop";
}
