using System.Runtime.InteropServices;
using Fastsocket.Devices;

namespace Fastsocket.Stack;

/// <summary>
/// How an engine's loop spends its time, written by the engine thread only, padded onto lines of its own (the
/// cores' <see cref="EngineCore"/> objects are made one after another). Readers on other threads use
/// Volatile.Read and see values at most one loop turn old.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = (2 * CacheLine.Size) + 32)]
internal struct EngineActivity
{
    /// <summary>Sequence lock over <see cref="IdleMicroseconds"/> and <see cref="IdleSince"/>: odd while the engine changes them.</summary>
    [FieldOffset(CacheLine.Size + 24)]
    public long Version;

    /// <summary>Microseconds, on the stack's clock, spent in loop turns that found no work (spinning or asleep), closed periods only.</summary>
    [FieldOffset(CacheLine.Size + 0)]
    public long IdleMicroseconds;

    /// <summary>The stack's clock when the current idle period began; 0 while busy.</summary>
    [FieldOffset(CacheLine.Size + 8)]
    public long IdleSince;

    /// <summary>Times the engine went to sleep for lack of work.</summary>
    [FieldOffset(CacheLine.Size + 16)]
    public long Sleeps;
}
