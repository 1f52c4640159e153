using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Fastsocket.Native.Abi;
using Fastsocket.Native.Exports;
using Fastsocket.Native.Hosting;
using Fastsocket.Native.Interop;
using Fastsocket.Native.Sockets;

namespace Fastsocket.Native.Packetdrill;

/// <summary>
/// The one export packetdrill looks for, <c>packetdrill_interface_init</c>, and the callbacks it fills in. Each
/// callback gets userdata (a GC handle to the <see cref="PacketdrillHarness"/>) first and forwards to
/// <see cref="SocketCalls"/> or the harness; the socket calls share <see cref="NativeCall"/>'s errno handling with
/// the library's prefixed exports.
/// </summary>
internal static unsafe class PacketdrillExports
{
    /// <summary>void packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc).</summary>
    [UnmanagedCallersOnly(EntryPoint = "packetdrill_interface_init")]
    public static void Init(byte* flags, PacketdrillInterface* ifc)
    {
        try
        {
            string? text = flags is null ? null : Marshal.PtrToStringUTF8((nint)flags);
            var errors = new List<string>();
            HarnessOptions options = HarnessOptions.Parse(text, errors);
            foreach (string error in errors)
            {
                NativeLog.Write($"{error}");
            }
            long start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var harness = new PacketdrillHarness(options, start);
            NativeRuntime.Attach(harness.Stack);
            Fill(ifc, GCHandle.ToIntPtr(GCHandle.Alloc(harness)));
        }
        catch (Exception e)
        {
            NativeLog.Write($"packetdrill_interface_init failed: {e}");
            Environment.FailFast("libfastsocket: packetdrill_interface_init failed", e);
        }
    }

    private static void Fill(PacketdrillInterface* ifc, nint userData)
    {
        ifc->UserData = (void*)userData;
        ifc->Free = &Free;
        ifc->Socket = &Socket;
        ifc->Bind = &Bind;
        ifc->Listen = &Listen;
        ifc->Accept = &Accept;
        ifc->Connect = &Connect;
        ifc->Read = &Read;
        ifc->Readv = &Readv;
        ifc->Recv = &Recv;
        ifc->Recvfrom = &Recvfrom;
        ifc->Recvmsg = &Recvmsg;
        ifc->Write = &Write;
        ifc->Writev = &Writev;
        ifc->Send = &Send;
        ifc->Sendto = &Sendto;
        ifc->Sendmsg = &Sendmsg;
        ifc->Fcntl = &Fcntl;
        ifc->Ioctl = &Ioctl;
        ifc->Close = &Close;
        ifc->Shutdown = &Shutdown;
        ifc->Getsockopt = &Getsockopt;
        ifc->Setsockopt = &Setsockopt;
        ifc->Poll = &Poll;
        ifc->NetdevSend = &NetdevSend;
        ifc->NetdevReceive = &NetdevReceive;
        ifc->Usleep = &Usleep;
        ifc->Gettimeofday = &Gettimeofday;
        ifc->EpollCreate = &EpollCreate;
        ifc->EpollCtl = &EpollCtl;
        ifc->EpollWait = &EpollWait;
        ifc->Pipe = &Pipe;
        ifc->Splice = &Splice;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PacketdrillHarness H(void* userData) => (PacketdrillHarness)GCHandle.FromIntPtr((nint)userData).Target!;

    [UnmanagedCallersOnly]
    private static void Free(void* userData)
    {
        try
        {
            GCHandle handle = GCHandle.FromIntPtr((nint)userData);
            var harness = (PacketdrillHarness)handle.Target!;
            NativeRuntime.Detach(harness.Stack);
            harness.Dispose();
            handle.Free();
        }
        catch (Exception e)
        {
            NativeLog.Write($"free failed: {e}");
        }
    }

    [UnmanagedCallersOnly]
    private static int Socket(void* u, int domain, int type, int protocol)
    {
        try
        {
            PacketdrillHarness harness = H(u);
            harness.OnSocketCreated();
            return NativeCall.ToInt(SocketCalls.Socket(harness.Stack, domain, type, protocol));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "socket");
        }
    }

    [UnmanagedCallersOnly]
    private static int Bind(void* u, int fd, byte* address, uint length)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.Bind(H(u).Stack, fd, address, length));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "bind");
        }
    }

    [UnmanagedCallersOnly]
    private static int Listen(void* u, int fd, int backlog)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.Listen(H(u).Stack, fd, backlog));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "listen");
        }
    }

    [UnmanagedCallersOnly]
    private static int Accept(void* u, int fd, byte* address, uint* length)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.Accept(H(u).Stack, fd, address, length, 0));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "accept");
        }
    }

    [UnmanagedCallersOnly]
    private static int Connect(void* u, int fd, byte* address, uint length)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.Connect(H(u).Stack, fd, address, length));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "connect");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Read(void* u, int fd, byte* buffer, nuint count)
    {
        try
        {
            return NativeCall.ToSize(NativeCall.ReceiveOne(H(u).Stack, fd, buffer, count, 0, null, null));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "read");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Readv(void* u, int fd, IoVec* iov, int count)
    {
        try
        {
            return NativeCall.ToSize(SocketCalls.Receive(H(u).Stack, fd, iov, count, 0, null, null));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "readv");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Recv(void* u, int fd, byte* buffer, nuint length, int flags)
    {
        try
        {
            return NativeCall.ToSize(NativeCall.ReceiveOne(H(u).Stack, fd, buffer, length, flags, null, null));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "recv");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Recvfrom(void* u, int fd, byte* buffer, nuint length, int flags, byte* address, uint* addressLength)
    {
        try
        {
            return NativeCall.ToSize(NativeCall.ReceiveOne(H(u).Stack, fd, buffer, length, flags, address, addressLength));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "recvfrom");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Recvmsg(void* u, int fd, MsgHdr* message, int flags)
    {
        try
        {
            return NativeCall.ToSize(NativeCall.ReceiveMessage(H(u).Stack, fd, message, flags));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "recvmsg");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Write(void* u, int fd, byte* buffer, nuint count)
    {
        try
        {
            return NativeCall.ToSize(NativeCall.SendOne(H(u).Stack, fd, buffer, count, 0));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "write");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Writev(void* u, int fd, IoVec* iov, int count)
    {
        try
        {
            return NativeCall.ToSize(SocketCalls.Send(H(u).Stack, fd, iov, count, 0));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "writev");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Send(void* u, int fd, byte* buffer, nuint length, int flags)
    {
        try
        {
            return NativeCall.ToSize(NativeCall.SendOne(H(u).Stack, fd, buffer, length, flags));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "send");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Sendto(void* u, int fd, byte* buffer, nuint length, int flags, byte* address, uint addressLength)
    {
        try
        {
            return NativeCall.ToSize(NativeCall.SendOne(H(u).Stack, fd, buffer, length, flags));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "sendto");
        }
    }

    [UnmanagedCallersOnly]
    private static nint Sendmsg(void* u, int fd, MsgHdr* message, int flags)
    {
        try
        {
            return NativeCall.ToSize(NativeCall.SendMessage(H(u).Stack, fd, message, flags));
        }
        catch (Exception e)
        {
            return NativeCall.FailedSize(e, "sendmsg");
        }
    }

    [UnmanagedCallersOnly]
    private static int Fcntl(void* u, int fd, int command, long argument)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.Fcntl(H(u).Stack, fd, command, argument));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "fcntl");
        }
    }

    [UnmanagedCallersOnly]
    private static int Ioctl(void* u, int fd, ulong request, void* argument)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.Ioctl(H(u).Stack, fd, request, argument));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "ioctl");
        }
    }

    [UnmanagedCallersOnly]
    private static int Close(void* u, int fd)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.Close(H(u).Stack, fd));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "close");
        }
    }

    [UnmanagedCallersOnly]
    private static int Shutdown(void* u, int fd, int how)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.Shutdown(H(u).Stack, fd, how));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "shutdown");
        }
    }

    [UnmanagedCallersOnly]
    private static int Getsockopt(void* u, int fd, int level, int name, byte* value, uint* length)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.GetSockOpt(H(u).Stack, fd, level, name, value, length));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "getsockopt");
        }
    }

    [UnmanagedCallersOnly]
    private static int Setsockopt(void* u, int fd, int level, int name, byte* value, uint length)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.SetSockOpt(H(u).Stack, fd, level, name, value, length));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "setsockopt");
        }
    }

    [UnmanagedCallersOnly]
    private static int Poll(void* u, PollFd* fds, ulong count, int timeoutMilliseconds)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.Poll(H(u).Stack, fds, count, timeoutMilliseconds < 0 ? -1 : timeoutMilliseconds * 1000L));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "poll");
        }
    }

    [UnmanagedCallersOnly]
    private static int EpollCreate(void* u, int size)
    {
        try
        {
            return NativeCall.ToInt(size <= 0 ? -LinuxErrno.EINVAL : SocketCalls.EpollCreate(H(u).Stack, 0));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "epoll_create");
        }
    }

    [UnmanagedCallersOnly]
    private static int EpollCtl(void* u, int epfd, int op, int fd, EpollEvent* ev)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.EpollCtl(H(u).Stack, epfd, op, fd, ev));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "epoll_ctl");
        }
    }

    [UnmanagedCallersOnly]
    private static int EpollWait(void* u, int epfd, EpollEvent* events, int max, int timeoutMilliseconds)
    {
        try
        {
            return NativeCall.ToInt(SocketCalls.EpollWait(H(u).Stack, epfd, events, max, timeoutMilliseconds < 0 ? -1 : timeoutMilliseconds * 1000L));
        }
        catch (Exception e)
        {
            return NativeCall.FailedInt(e, "epoll_wait");
        }
    }

    [UnmanagedCallersOnly]
    private static int Pipe(void* u, int* fds)
    {
        // Pipes are the kernel's; scripts that splice between a pipe and a socket are out of scope.
        Libc.SetErrno(LinuxErrno.ENOSYS);
        return -1;
    }

    [UnmanagedCallersOnly]
    private static nint Splice(void* u, int fdIn, long* offIn, int fdOut, long* offOut, nuint length, uint flags)
    {
        Libc.SetErrno(LinuxErrno.ENOSYS);
        return -1;
    }

    [UnmanagedCallersOnly]
    private static int NetdevSend(void* u, byte* buffer, nuint count)
    {
        try
        {
            PacketdrillHarness h = H(u);
            if (h.Verbose)
            {
                NativeLog.Write($"netdev_send {count} bytes");
            }
            return h.Inject(new ReadOnlySpan<byte>(buffer, (int)count)) ? 0 : -1;
        }
        catch (Exception e)
        {
            NativeLog.Write($"netdev_send failed: {e}");
            return -1;
        }
    }

    [UnmanagedCallersOnly]
    private static int NetdevReceive(void* u, byte* buffer, nuint* count, long* timeMicroseconds)
    {
        try
        {
            PacketdrillHarness h = H(u);
            if (h.TryReceive(new Span<byte>(buffer, (int)Math.Min(*count, int.MaxValue)), out int length, out long time))
            {
                *count = (nuint)length;
                *timeMicroseconds = time;
                return 0;
            }
            // packetdrill would call again forever on -1; a count of 0 makes it fail the script instead.
            NativeLog.Write($"no packet left the stack within {h.ReceiveDeadlineSeconds:0.###} s of virtual time");
            *count = 0;
            *timeMicroseconds = time;
            return 0;
        }
        catch (Exception e)
        {
            NativeLog.Write($"netdev_receive failed: {e}");
            *count = 0;
            return 0;
        }
    }

    [UnmanagedCallersOnly]
    private static int Usleep(void* u, uint microseconds)
    {
        try
        {
            H(u).Sleep(microseconds);
            return 0;
        }
        catch (Exception e)
        {
            NativeLog.Write($"usleep failed: {e}");
            return -1;
        }
    }

    [UnmanagedCallersOnly]
    private static int Gettimeofday(void* u, TimeVal* tv, void* tz)
    {
        try
        {
            long now = H(u).ReadClock();
            if (tv is not null)
            {
                tv->Seconds = now / 1_000_000;
                tv->Microseconds = now % 1_000_000;
            }
            return 0;
        }
        catch (Exception e)
        {
            NativeLog.Write($"gettimeofday failed: {e}");
            return -1;
        }
    }
}
