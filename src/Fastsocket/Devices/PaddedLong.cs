using System.Runtime.InteropServices;

namespace Fastsocket.Devices;

/// <summary>
/// A long alone on its cache line. Ring cursors written by one core and read by another would otherwise
/// share lines with each other and bounce between cores on every packet (false sharing).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = (2 * CacheLine.Size) + sizeof(long))]
internal struct PaddedLong
{
    // A whole line of padding on each side: wherever the struct lands, no line that holds the value holds anything else.
    [FieldOffset(CacheLine.Size)]
    public long Value;
}
