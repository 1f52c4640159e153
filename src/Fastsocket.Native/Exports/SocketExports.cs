using System.Runtime.InteropServices;
using Fastsocket.Native.Abi;
using Fastsocket.Native.Hosting;
using Fastsocket.Native.Sockets;

namespace Fastsocket.Native.Exports;

/// <summary>
/// The library's C ABI for programs and interposers: <c>fastsocket_NAME</c> for each socket call NAME, with libc's
/// signature and semantics (-1 and errno on failure), served by the process's stack (<see cref="NativeRuntime"/>;
/// ENOSYS while none is attached). Only prefixed names are exported: an LD_PRELOAD shim in C exports the libc names,
/// asks <c>fastsocket_fd_map</c> whether a descriptor is ours and forwards to these, so the runtime inside this
/// library never has its own read, write, close or poll routed back into managed code.
/// </summary>
internal static unsafe class SocketExports
{
    /// <summary>
    /// uint8_t *fastsocket_fd_map(int *size): one byte per descriptor, 1 where the descriptor is one of the stack's
    /// sockets or epoll instances; null while no stack is attached. An interposer checks it before every call.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_fd_map")]
    public static byte* FdMap(int* size)
    {
        NativeStack? stack = NativeRuntime.Current;
        if (size is not null)
        {
            *size = stack is null ? 0 : SocketTable.Capacity;
        }
        return stack is null ? null : stack.Sockets.OwnershipMap;
    }

    /// <summary>socket(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_socket")]
    public static int Socket(int domain, int type, int protocol)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Socket(s, domain, type, protocol));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "socket");
        }
    }

    /// <summary>
    /// int fastsocket_socket_at(int fd, int domain, int type, int protocol): socket(2), but the socket takes descriptor
    /// fd (a placeholder the caller holds, replaced as by dup3); returns fd. How an interposer turns a socket it
    /// answered before the stack ran (in a parent that then forked, say) into one of the stack's.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_socket_at")]
    public static int SocketAt(int fd, int domain, int type, int protocol)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.SocketAt(s, fd, domain, type, protocol));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "socket_at");
        }
    }

    /// <summary>
    /// int fastsocket_dup_alias(int fd, int alias): alias, a kernel duplicate of fd that the caller made (dup, dup2,
    /// dup3, F_DUPFD), becomes another descriptor of fd's socket; returns alias.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_dup_alias")]
    public static int DupAlias(int fd, int alias)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Alias(s, fd, alias));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "dup_alias");
        }
    }

    /// <summary>bind(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_bind")]
    public static int Bind(int fd, byte* address, uint length)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Bind(s, fd, address, length));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "bind");
        }
    }

    /// <summary>listen(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_listen")]
    public static int Listen(int fd, int backlog)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Listen(s, fd, backlog));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "listen");
        }
    }

    /// <summary>accept(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_accept")]
    public static int Accept(int fd, byte* address, uint* length)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Accept(s, fd, address, length, 0));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "accept");
        }
    }

    /// <summary>accept4(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_accept4")]
    public static int Accept4(int fd, byte* address, uint* length, int flags)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Accept(s, fd, address, length, flags));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "accept4");
        }
    }

    /// <summary>connect(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_connect")]
    public static int Connect(int fd, byte* address, uint length)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Connect(s, fd, address, length));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "connect");
        }
    }

    /// <summary>read(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_read")]
    public static nint Read(int fd, byte* buffer, nuint count)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToSize(-LinuxErrno.ENOSYS) : NativeCall.ToSize(NativeCall.ReceiveOne(s, fd, buffer, count, 0, null, null));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "read");
        }
    }

    /// <summary>readv(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_readv")]
    public static nint Readv(int fd, IoVec* iov, int count)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToSize(-LinuxErrno.ENOSYS) : NativeCall.ToSize(SocketCalls.Receive(s, fd, iov, count, 0, null, null));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "readv");
        }
    }

    /// <summary>recv(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_recv")]
    public static nint Recv(int fd, byte* buffer, nuint length, int flags)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToSize(-LinuxErrno.ENOSYS) : NativeCall.ToSize(NativeCall.ReceiveOne(s, fd, buffer, length, flags, null, null));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "recv");
        }
    }

    /// <summary>recvfrom(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_recvfrom")]
    public static nint Recvfrom(int fd, byte* buffer, nuint length, int flags, byte* address, uint* addressLength)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToSize(-LinuxErrno.ENOSYS) : NativeCall.ToSize(NativeCall.ReceiveOne(s, fd, buffer, length, flags, address, addressLength));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "recvfrom");
        }
    }

    /// <summary>recvmsg(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_recvmsg")]
    public static nint Recvmsg(int fd, MsgHdr* message, int flags)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToSize(-LinuxErrno.ENOSYS) : NativeCall.ToSize(NativeCall.ReceiveMessage(s, fd, message, flags));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "recvmsg");
        }
    }

    /// <summary>write(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_write")]
    public static nint Write(int fd, byte* buffer, nuint count)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToSize(-LinuxErrno.ENOSYS) : NativeCall.ToSize(NativeCall.SendOne(s, fd, buffer, count, 0));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "write");
        }
    }

    /// <summary>writev(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_writev")]
    public static nint Writev(int fd, IoVec* iov, int count)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToSize(-LinuxErrno.ENOSYS) : NativeCall.ToSize(SocketCalls.Send(s, fd, iov, count, 0));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "writev");
        }
    }

    /// <summary>send(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_send")]
    public static nint Send(int fd, byte* buffer, nuint length, int flags)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToSize(-LinuxErrno.ENOSYS) : NativeCall.ToSize(NativeCall.SendOne(s, fd, buffer, length, flags));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "send");
        }
    }

    /// <summary>sendto(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_sendto")]
    public static nint Sendto(int fd, byte* buffer, nuint length, int flags, byte* address, uint addressLength)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToSize(-LinuxErrno.ENOSYS) : NativeCall.ToSize(NativeCall.SendOne(s, fd, buffer, length, flags));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "sendto");
        }
    }

    /// <summary>sendmsg(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_sendmsg")]
    public static nint Sendmsg(int fd, MsgHdr* message, int flags)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToSize(-LinuxErrno.ENOSYS) : NativeCall.ToSize(NativeCall.SendMessage(s, fd, message, flags));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "sendmsg");
        }
    }

    /// <summary>close(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_close")]
    public static int Close(int fd)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Close(s, fd));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "close");
        }
    }

    /// <summary>shutdown(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_shutdown")]
    public static int Shutdown(int fd, int how)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Shutdown(s, fd, how));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "shutdown");
        }
    }

    /// <summary>getsockopt(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_getsockopt")]
    public static int Getsockopt(int fd, int level, int name, byte* value, uint* length)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.GetSockOpt(s, fd, level, name, value, length));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "getsockopt");
        }
    }

    /// <summary>setsockopt(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_setsockopt")]
    public static int Setsockopt(int fd, int level, int name, byte* value, uint length)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.SetSockOpt(s, fd, level, name, value, length));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "setsockopt");
        }
    }

    /// <summary>getsockname(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_getsockname")]
    public static int Getsockname(int fd, byte* address, uint* length)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.GetSockName(s, fd, address, length));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "getsockname");
        }
    }

    /// <summary>getpeername(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_getpeername")]
    public static int Getpeername(int fd, byte* address, uint* length)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.GetPeerName(s, fd, address, length));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "getpeername");
        }
    }

    /// <summary>fcntl(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_fcntl")]
    public static int Fcntl(int fd, int command, long argument)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Fcntl(s, fd, command, argument));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "fcntl");
        }
    }

    /// <summary>ioctl(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_ioctl")]
    public static int Ioctl(int fd, ulong request, void* argument)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Ioctl(s, fd, request, argument));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "ioctl");
        }
    }

    /// <summary>poll(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_poll")]
    public static int Poll(PollFd* fds, ulong count, int timeoutMilliseconds)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.Poll(s, fds, count, timeoutMilliseconds < 0 ? -1 : timeoutMilliseconds * 1000L));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "poll");
        }
    }

    /// <summary>epoll_create1(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_epoll_create1")]
    public static int EpollCreate1(int flags)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.EpollCreate(s, flags));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "epoll_create1");
        }
    }

    /// <summary>epoll_ctl(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_epoll_ctl")]
    public static int EpollCtl(int epfd, int op, int fd, EpollEvent* ev)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.EpollCtl(s, epfd, op, fd, ev));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "epoll_ctl");
        }
    }

    /// <summary>epoll_wait(2) on the stack's sockets.</summary>
    [UnmanagedCallersOnly(EntryPoint = "fastsocket_epoll_wait")]
    public static int EpollWait(int epfd, EpollEvent* events, int max, int timeoutMilliseconds)
    {
        try
        {
            NativeStack? s = NativeRuntime.Current;
            return s is null ? NativeCall.ToInt(-LinuxErrno.ENOSYS) : NativeCall.ToInt(SocketCalls.EpollWait(s, epfd, events, max, timeoutMilliseconds < 0 ? -1 : timeoutMilliseconds * 1000L));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "epoll_wait");
        }
    }
}
