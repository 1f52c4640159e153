namespace Fastsocket.Native.Abi;

/// <summary>struct msghdr (x86-64 layout: the socklen_t is padded to 8 bytes).</summary>
#pragma warning disable CS0649 // Filled by the C caller, read through a pointer.
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
#pragma warning restore CS0649
