namespace Fastsocket.Native.Abi;

/// <summary>struct timeval.</summary>
internal struct TimeVal
{
    public long Seconds;
    public long Microseconds;
}
