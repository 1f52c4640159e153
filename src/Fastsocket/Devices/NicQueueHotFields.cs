using System.Runtime.InteropServices;

namespace Fastsocket.Devices;

/// <summary>
/// What a <see cref="NicQueue"/>'s engine writes on every packet, with a cache line of padding on each side. The
/// queues of one NIC are allocated one after another, so without the padding one engine's counters would share a
/// line with the next queue's fields and every transmit on one core would evict a line the neighbouring core reads.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = (2 * CacheLine.Size) + 64)]
internal struct NicQueueHotFields
{
    [FieldOffset(CacheLine.Size + 0)]
    public long TransmittedPackets;

    [FieldOffset(CacheLine.Size + 8)]
    public long TransmittedBytes;

    [FieldOffset(CacheLine.Size + 16)]
    public long OversizeDrops;

    [FieldOffset(CacheLine.Size + 24)]
    public long TransmitQueueFullDrops;

    [FieldOffset(CacheLine.Size + 32)]
    public long NoCarrierDrops;

    [FieldOffset(CacheLine.Size + 40)]
    public long ReceivedPackets;

    /// <summary>Rings published by flushes: each costs a fence and a cache line passed to the consuming core.</summary>
    [FieldOffset(CacheLine.Size + 48)]
    public long TransmitBatches;

    /// <summary>The ring the next poll starts at.</summary>
    [FieldOffset(CacheLine.Size + 56)]
    public int NextRing;
}
