namespace Fastsocket.Devices;

/// <summary>
/// The unit of sharing between cores. Fields one core writes on every packet are kept at least this far from
/// anything another core touches: two cores writing one line (false sharing) pass it back and forth on every write,
/// which costs more per packet than the packet's own processing and grows with the number of cores.
/// </summary>
internal static class CacheLine
{
    /// <summary>64 bytes on x64 and the Arm cores .NET runs on.</summary>
    public const int Size = 64;
}
