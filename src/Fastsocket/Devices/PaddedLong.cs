using System.Runtime.InteropServices;

namespace Fastsocket.Devices;

/// <summary>
/// A long alone on its cache line. Ring cursors written by one core and read by another would otherwise
/// share lines with each other and bounce between cores on every packet (false sharing).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedLong
{
    // 64 bytes of padding on each side also keeps the adjacent-line prefetcher from pairing it with a neighbour.
    [FieldOffset(64)]
    public long Value;
}
