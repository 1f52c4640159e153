using Fastsocket.Native.Abi;
using Fastsocket.Native.Hosting;
using Fastsocket.Native.Interop;
using Fastsocket.Native.Sockets;

namespace Fastsocket.Native.Exports;

/// <summary>
/// What every exported call does around <see cref="SocketCalls"/>: a negative result becomes -1 with errno set, and
/// an exception (a bug: the calls report errors by value) becomes -1 with EIO and a line on stderr instead of
/// unwinding into C, which would kill the process. Also the single-buffer and msghdr forms of read and write.
/// </summary>
internal static unsafe class NativeCall
{
    /// <summary>An int-returning call's result.</summary>
    public static int ToInt(long result)
    {
        if (result < 0)
        {
            Libc.SetErrno((int)-result);
            return -1;
        }
        return (int)result;
    }

    /// <summary>An ssize_t-returning call's result.</summary>
    public static nint ToSize(long result)
    {
        if (result < 0)
        {
            Libc.SetErrno((int)-result);
            return -1;
        }
        return (nint)result;
    }

    /// <summary>An int-returning call that threw.</summary>
    public static int FailedInt(Exception e, string call)
    {
        NativeLog.Write($"{call} failed: {e}");
        Libc.SetErrno(LinuxErrno.EIO);
        return -1;
    }

    /// <summary>An ssize_t-returning call that threw.</summary>
    public static nint FailedSize(Exception e, string call) => FailedInt(e, call);

    /// <summary>recvfrom on one buffer.</summary>
    public static long ReceiveOne(NativeStack stack, int fd, byte* buffer, nuint length, int flags, byte* address, uint* addressLength)
    {
        var vector = new IoVec { Base = buffer, Length = length };
        return SocketCalls.Receive(stack, fd, &vector, 1, flags, address, addressLength);
    }

    /// <summary>sendto on one buffer (the address is ignored on a connected stream socket, as Linux does).</summary>
    public static long SendOne(NativeStack stack, int fd, byte* buffer, nuint length, int flags)
    {
        var vector = new IoVec { Base = buffer, Length = length };
        return SocketCalls.Send(stack, fd, &vector, 1, flags);
    }

    /// <summary>recvmsg: the iovecs, the peer's address, no ancillary data.</summary>
    public static long ReceiveMessage(NativeStack stack, int fd, MsgHdr* message, int flags)
    {
        if (message is null)
        {
            return -LinuxErrno.EFAULT;
        }
        uint nameLength = message->NameLength;
        long n = SocketCalls.Receive(stack, fd, message->Iov, (int)Math.Min(message->IovLength, int.MaxValue), flags,
            (byte*)message->Name, message->Name is null ? null : &nameLength);
        if (n >= 0)
        {
            message->NameLength = message->Name is null ? 0 : nameLength;
            message->ControlLength = 0;
            message->Flags = 0;
        }
        return n;
    }

    /// <summary>sendmsg: the iovecs; ancillary data is not supported (EINVAL when present, rather than ignored).</summary>
    public static long SendMessage(NativeStack stack, int fd, MsgHdr* message, int flags)
    {
        if (message is null)
        {
            return -LinuxErrno.EFAULT;
        }
        if (message->ControlLength != 0)
        {
            return -LinuxErrno.EINVAL;
        }
        return SocketCalls.Send(stack, fd, message->Iov, (int)Math.Min(message->IovLength, int.MaxValue), flags);
    }
}
