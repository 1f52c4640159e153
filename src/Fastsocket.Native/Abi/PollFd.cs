namespace Fastsocket.Native.Abi;

/// <summary>struct pollfd.</summary>
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}
