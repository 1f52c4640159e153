namespace Fastsocket.Native.Abi;

/// <summary>struct msghdr (x86-64 layout: the socklen_t is padded to 8 bytes).</summary>
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}
