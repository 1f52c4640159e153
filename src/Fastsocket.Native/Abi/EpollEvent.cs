using System.Runtime.InteropServices;

namespace Fastsocket.Native.Abi;

/// <summary>struct epoll_event: packed on x86-64 (12 bytes), as the kernel declares it there.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct EpollEvent
{
    public uint Events;
    public ulong Data;
}
