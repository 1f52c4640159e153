using System.Runtime.InteropServices;

namespace Fastsocket.Devices;

/// <summary>
/// What the producing engine of a <see cref="WireChannel"/> writes on every packet, with a cache line of padding on
/// each side. Channels and rings of different producers and consumers are allocated next to each other when the wire
/// is built; without the padding these writes would evict lines that other cores read on every poll.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = (2 * CacheLine.Size) + 64)]
internal struct WireChannelHotFields
{
    [FieldOffset(CacheLine.Size + 0)]
    public long SteeredExact;

    [FieldOffset(CacheLine.Size + 8)]
    public long SteeredPortMask;

    [FieldOffset(CacheLine.Size + 16)]
    public long SteeredRss;

    [FieldOffset(CacheLine.Size + 24)]
    public long Unclassified;

    [FieldOffset(CacheLine.Size + 32)]
    public long QueueFullDrops;

    /// <summary>Packets enqueued since the last flush, so a flush publishes and rings only the rings it touched.</summary>
    [FieldOffset(CacheLine.Size + 40)]
    public int Pending;
}
