namespace Fastsocket.Native.Packetdrill;

/// <summary>
/// packetdrill's struct packetdrill_interface (packetdrill.h): userdata, then one function pointer per call, in the
/// header's order. Every callback takes userdata first. Variadic fcntl and ioctl are filled with three-argument
/// functions: on x86-64 and arm64 the first variadic integer argument travels in the same register as a named one.
/// </summary>
internal unsafe struct PacketdrillInterface
{
    public void* UserData;
    public delegate* unmanaged<void*, void> Free;
    public delegate* unmanaged<void*, int, int, int, int> Socket;
    public delegate* unmanaged<void*, int, byte*, uint, int> Bind;
    public delegate* unmanaged<void*, int, int, int> Listen;
    public delegate* unmanaged<void*, int, byte*, uint*, int> Accept;
    public delegate* unmanaged<void*, int, byte*, uint, int> Connect;
    public delegate* unmanaged<void*, int, byte*, nuint, nint> Read;
    public delegate* unmanaged<void*, int, Abi.IoVec*, int, nint> Readv;
    public delegate* unmanaged<void*, int, byte*, nuint, int, nint> Recv;
    public delegate* unmanaged<void*, int, byte*, nuint, int, byte*, uint*, nint> Recvfrom;
    public delegate* unmanaged<void*, int, Abi.MsgHdr*, int, nint> Recvmsg;
    public delegate* unmanaged<void*, int, byte*, nuint, nint> Write;
    public delegate* unmanaged<void*, int, Abi.IoVec*, int, nint> Writev;
    public delegate* unmanaged<void*, int, byte*, nuint, int, nint> Send;
    public delegate* unmanaged<void*, int, byte*, nuint, int, byte*, uint, nint> Sendto;
    public delegate* unmanaged<void*, int, Abi.MsgHdr*, int, nint> Sendmsg;
    public delegate* unmanaged<void*, int, int, long, int> Fcntl;
    public delegate* unmanaged<void*, int, ulong, void*, int> Ioctl;
    public delegate* unmanaged<void*, int, int> Close;
    public delegate* unmanaged<void*, int, int, int> Shutdown;
    public delegate* unmanaged<void*, int, int, int, byte*, uint*, int> Getsockopt;
    public delegate* unmanaged<void*, int, int, int, byte*, uint, int> Setsockopt;
    public delegate* unmanaged<void*, Abi.PollFd*, ulong, int, int> Poll;
    public delegate* unmanaged<void*, byte*, nuint, int> NetdevSend;
    public delegate* unmanaged<void*, byte*, nuint*, long*, int> NetdevReceive;
    public delegate* unmanaged<void*, uint, int> Usleep;
    public delegate* unmanaged<void*, Abi.TimeVal*, void*, int> Gettimeofday;
    public delegate* unmanaged<void*, int, int> EpollCreate;
    public delegate* unmanaged<void*, int, int, int, Abi.EpollEvent*, int> EpollCtl;
    public delegate* unmanaged<void*, int, Abi.EpollEvent*, int, int, int> EpollWait;
    public delegate* unmanaged<void*, int*, int> Pipe;
    public delegate* unmanaged<void*, int, long*, int, long*, nuint, uint, nint> Splice;
}
