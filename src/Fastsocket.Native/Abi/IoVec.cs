namespace Fastsocket.Native.Abi;

/// <summary>struct iovec.</summary>
internal unsafe struct IoVec
{
    public byte* Base;
    public nuint Length;
}
