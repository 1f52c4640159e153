using System.Runtime.InteropServices;

namespace Fastsocket.Native.Abi;

/// <summary>struct sockaddr_in: family, port and address in network byte order, eight bytes of zero.</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
internal struct SockAddrIn
{
    public ushort Family;
    public ushort PortNetworkOrder;
    public uint AddressNetworkOrder;
    public ulong Zero;
}
