using Fastsocket.Stack;

namespace Fastsocket.Tests.Support;

/// <summary>What a <see cref="TcpTestBench"/> runs its engine in: alone, or as the one core of a stack in one of the paper's designs.</summary>
public enum BenchDesign
{
    /// <summary>A standalone engine: no stack, no shared tables.</summary>
    Standalone,

    /// <summary>A one-core stack in <see cref="StackDesign.Base"/>.</summary>
    Base,

    /// <summary>A one-core stack in <see cref="StackDesign.ReusePort"/>.</summary>
    ReusePort,

    /// <summary>A one-core stack in <see cref="StackDesign.Fastsocket"/>.</summary>
    Fastsocket,
}

/// <summary>Maps a bench design to the stack design it stands for.</summary>
public static class BenchDesignExtensions
{
    /// <summary>The stack design, or null for <see cref="BenchDesign.Standalone"/>.</summary>
    public static StackDesign? ToStackDesign(this BenchDesign design) => design switch
    {
        BenchDesign.Standalone => null,
        BenchDesign.Base => StackDesign.Base,
        BenchDesign.ReusePort => StackDesign.ReusePort,
        BenchDesign.Fastsocket => StackDesign.Fastsocket,
        _ => throw new ArgumentOutOfRangeException(nameof(design)),
    };
}
