using System.Buffers.Binary;
using System.Net.Sockets;
using Fastsocket.Native.Abi;
using Fastsocket.Native.Hosting;
using Fastsocket.Native.Interop;
using Fastsocket.Tcp;
using Fastsocket.Wire;
using static Fastsocket.Native.Abi.LinuxErrno;
using static Fastsocket.Native.Abi.LinuxSocketConstants;

namespace Fastsocket.Native.Sockets;

/// <summary>
/// The BSD socket calls over one <see cref="NativeStack"/>, with Linux's semantics: each returns its result, or a
/// negative errno (kernel style, so EAGAIN costs no exception); the export layers turn that into -1 and errno. Every
/// call takes the stack's gate; a blocking call waits on it and never spins. This is the one place the socket calls
/// live: packetdrill's interface and the prefixed C exports (for an LD_PRELOAD interposer) both forward here.
/// </summary>
internal static unsafe class SocketCalls
{
    private const long NoDeadline = long.MaxValue;

    /// <summary>socket(2): AF_INET stream sockets only.</summary>
    public static long Socket(NativeStack stack, int domain, int type, int protocol)
    {
        if (domain != AF_INET)
        {
            return -EAFNOSUPPORT;
        }
        if ((type & SOCK_TYPE_MASK) != SOCK_STREAM)
        {
            return -EPROTONOSUPPORT;
        }
        if (protocol != 0 && protocol != IPPROTO_TCP)
        {
            return -EPROTONOSUPPORT;
        }
        lock (stack.Gate)
        {
            NativeSocket? socket = NewSocket(stack, out int error);
            if (socket is null)
            {
                return -error;
            }
            socket.NonBlocking = (type & SOCK_NONBLOCK) != 0;
            socket.CloseOnExec = (type & SOCK_CLOEXEC) != 0;
            return socket.Fd;
        }
    }

    /// <summary>
    /// socket(2) on a descriptor the caller already holds (<paramref name="fd"/>, which must not be ours): a fresh
    /// eventfd replaces it under the same number, as dup3 does. An interposer that answered socket() before the stack
    /// ran (or before fork) with a placeholder descriptor makes it a socket this way, so the program keeps its number.
    /// </summary>
    public static long SocketAt(NativeStack stack, int fd, int domain, int type, int protocol)
    {
        if (fd < 0 || fd >= SocketTable.Capacity)
        {
            return -EBADF;
        }
        lock (stack.Gate)
        {
            if (stack.Sockets.Contains(fd))
            {
                return -EBUSY;
            }
            long created = Socket(stack, domain, type, protocol);
            if (created < 0)
            {
                return created;
            }
            int fresh = (int)created;
            NativeSocket socket = stack.Sockets.FindSocket(fresh)!;
            if (Libc.Dup3(fresh, fd, Libc.O_CLOEXEC) < 0)
            {
                int error = *Libc.ErrnoLocation();
                _ = CloseLocked(stack, fresh);
                return -error;
            }
            stack.Sockets.Remove(fresh);
            _ = Libc.Close(fresh);
            socket.Fd = fd;
            _ = stack.Sockets.TryAdd(fd, socket);
            return fd;
        }
    }

    /// <summary>
    /// Registers <paramref name="alias"/>, a kernel duplicate of <paramref name="fd"/>'s eventfd (dup, dup2, dup3,
    /// F_DUPFD made by the interposer), as another descriptor of the same socket, as dup(2) does for a kernel socket.
    /// </summary>
    public static long Alias(NativeStack stack, int fd, int alias)
    {
        if (alias < 0 || alias >= SocketTable.Capacity)
        {
            return -EBADF;
        }
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            if (stack.Sockets.Contains(alias))
            {
                return -EBUSY;
            }
            _ = stack.Sockets.TryAdd(alias, socket);
            socket.OtherDescriptors.Add(alias);
            return alias;
        }
    }

    private static NativeSocket? NewSocket(NativeStack stack, out int error)
    {
        int fd = Libc.EventFd(0, Libc.EventFdFlags);
        if (fd < 0)
        {
            error = *Libc.ErrnoLocation();
            return null;
        }
        var socket = new NativeSocket(stack, fd);
        if (!stack.Sockets.TryAdd(fd, socket))
        {
            _ = Libc.Close(fd);
            error = EMFILE;
            return null;
        }
        error = 0;
        return socket;
    }

    /// <summary>bind(2).</summary>
    public static long Bind(NativeStack stack, int fd, byte* address, uint length)
    {
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            int error = ReadAddress(address, length, out IpAddress ip, out ushort port);
            if (error != 0)
            {
                return -error;
            }
            if (socket.Phase != SocketPhase.Open)
            {
                return -EINVAL;
            }
            if (ip.V4 != 0 && !stack.Engine.IsLocalAddress(ip))
            {
                return -EADDRNOTAVAIL;
            }
            if (port == 0)
            {
                port = FreeEphemeralPort(stack);
                if (port == 0)
                {
                    return -EADDRINUSE;
                }
            }
            else if (PortTaken(stack, socket, port))
            {
                return -EADDRINUSE;
            }
            socket.LocalAddress = ip;
            socket.LocalPort = port;
            socket.Phase = SocketPhase.Bound;
            return 0;
        }
    }

    private static bool PortTaken(NativeStack stack, NativeSocket self, ushort port)
    {
        foreach (NativeSocket other in stack.Sockets.Sockets)
        {
            if (other != self && other.LocalPort == port && other.Phase != SocketPhase.Failed)
            {
                // As Linux: two sockets may share a port when both set SO_REUSEADDR and neither listens, or both SO_REUSEPORT.
                bool shareable = (self.ReuseAddress && other.ReuseAddress && other.Phase != SocketPhase.Listening) ||
                                 (self.ReusePort && other.ReusePort);
                if (!shareable)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static ushort FreeEphemeralPort(NativeStack stack)
    {
        for (int port = stack.Engine.EphemeralPortFirst; port <= stack.Engine.EphemeralPortLast; port++)
        {
            bool used = false;
            foreach (NativeSocket s in stack.Sockets.Sockets)
            {
                if (s.LocalPort == port)
                {
                    used = true;
                    break;
                }
            }
            if (!used)
            {
                return (ushort)port;
            }
        }
        return 0;
    }

    /// <summary>listen(2).</summary>
    public static long Listen(NativeStack stack, int fd, int backlog)
    {
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            switch (socket.Phase)
            {
                case SocketPhase.Listening:
                    return 0;
                case SocketPhase.Open:
                    ushort port = FreeEphemeralPort(stack);
                    if (port == 0)
                    {
                        return -EADDRINUSE;
                    }
                    socket.LocalPort = port;
                    break;
                case SocketPhase.Bound:
                    break;
                default:
                    return -EINVAL;
            }
            try
            {
                // Linux caps the backlog at somaxconn (4096) and treats a negative one as that.
                int effective = backlog < 0 || backlog > 4096 ? 4096 : backlog;
                socket.Listener = stack.Engine.Listen(socket.LocalPort, effective, socket);
                socket.Listener.MaxSegmentSize = socket.MaxSegmentOption;
            }
            catch (SocketException e)
            {
                return -LinuxErrno.From(e.SocketErrorCode);
            }
            socket.Phase = SocketPhase.Listening;
            return 0;
        }
    }

    /// <summary>accept4(2) (accept(2) is flags 0).</summary>
    public static long Accept(NativeStack stack, int fd, byte* address, uint* length, int flags)
    {
        if ((flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0)
        {
            return -EINVAL;
        }
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            if (socket.Phase != SocketPhase.Listening || socket.Listener is null)
            {
                return -EINVAL;
            }
            long deadline = Deadline(stack, socket.ReceiveTimeoutMicroseconds);
            while (true)
            {
                if (socket.Listener.TryAccept(out TcpConnection? connection) && connection is not null)
                {
                    NativeSocket? accepted = NewSocket(stack, out int error);
                    if (accepted is null)
                    {
                        connection.Abort();
                        connection.Close();
                        stack.Pump();
                        return -error;
                    }
                    accepted.Phase = SocketPhase.Connection;
                    accepted.Connection = connection;
                    accepted.LocalAddress = connection.Key.LocalAddress;
                    accepted.LocalPort = connection.Key.LocalPort;
                    accepted.RemoteAddress = connection.Key.RemoteAddress;
                    accepted.RemotePort = connection.Key.RemotePort;
                    accepted.NonBlocking = (flags & SOCK_NONBLOCK) != 0;
                    accepted.CloseOnExec = (flags & SOCK_CLOEXEC) != 0;
                    // Linux copies the listener's options to the child.
                    accepted.NoDelay = socket.NoDelay;
                    accepted.KeepAlive = socket.KeepAlive;
                    accepted.LingerOn = socket.LingerOn;
                    accepted.LingerSeconds = socket.LingerSeconds;
                    accepted.SendBufferOption = socket.SendBufferOption;
                    if (socket.SendBufferOption > 0)
                    {
                        connection.SendBufferSize = socket.SendBufferOption;
                    }
                    accepted.MaxSegmentOption = socket.MaxSegmentOption;
                    accepted.ReceiveBufferOption = socket.ReceiveBufferOption;
                    accepted.TypeOfService = socket.TypeOfService;
                    accepted.MtuDiscover = socket.MtuDiscover;
                    SocketOptions.ApplyIpOptions(accepted, connection);
                    connection.Handler = accepted;
                    if (socket.NoDelay)
                    {
                        connection.NoDelay = true;
                    }
                    if (socket.KeepAlive)
                    {
                        connection.KeepAlive = true;
                    }
                    if (connection.State == TcpState.Closed && connection.Error != SocketError.Success)
                    {
                        accepted.PendingError = LinuxErrno.From(connection.Error);
                        accepted.Aborted = true;
                    }
                    WriteAddress(address, length, accepted.RemoteAddress, accepted.RemotePort);
                    socket.AfterCall();
                    accepted.AfterCall();
                    return accepted.Fd;
                }
                if (socket.NonBlocking)
                {
                    socket.AfterCall();
                    return -EAGAIN;
                }
                if (stack.Now >= deadline)
                {
                    return -EAGAIN;
                }
                stack.Wait(deadline);
                if (socket.Listener is null || socket.Listener.IsClosed)
                {
                    return -EINVAL;
                }
            }
        }
    }

    /// <summary>connect(2).</summary>
    public static long Connect(NativeStack stack, int fd, byte* address, uint length)
    {
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            int error = ReadAddress(address, length, out IpAddress ip, out ushort port);
            if (error != 0)
            {
                return -error;
            }
            switch (socket.Phase)
            {
                case SocketPhase.Listening:
                    return -EISCONN;
                case SocketPhase.Connection:
                    {
                        TcpConnection c = socket.Connection!;
                        if (c.State == TcpState.SynSent)
                        {
                            if (socket.NonBlocking)
                            {
                                return -EALREADY;
                            }
                            return WaitConnected(stack, socket);
                        }
                        if (socket.PendingError != 0)
                        {
                            return -TakeError(socket);
                        }
                        return -EISCONN;
                    }
            }
            if (port == 0)
            {
                return -ECONNREFUSED;
            }
            socket.PendingError = 0;
            socket.Aborted = false;
            IpAddress? local = socket.LocalAddress.V4 != 0 ? socket.LocalAddress : null;
            TcpConnection connection;
            try
            {
                connection = stack.Engine.Connect(ip, port, socket, socket.LocalPort,
                    socket.SendBufferOption, socket.ReceiveBufferOption / 2, local, socket.MaxSegmentOption);
            }
            catch (SocketException e)
            {
                return -LinuxErrno.From(e.SocketErrorCode);
            }
            if (socket.NoDelay)
            {
                connection.NoDelay = true;
            }
            if (socket.KeepAlive)
            {
                connection.KeepAlive = true;
            }
            SocketOptions.ApplyIpOptions(socket, connection);
            socket.Connection = connection;
            socket.Phase = SocketPhase.Connection;
            socket.LocalAddress = connection.Key.LocalAddress;
            socket.LocalPort = connection.Key.LocalPort;
            socket.RemoteAddress = ip;
            socket.RemotePort = port;
            stack.Pump();
            socket.AfterCall();
            if (socket.NonBlocking)
            {
                return -EINPROGRESS;
            }
            return WaitConnected(stack, socket);
        }
    }

    private static long WaitConnected(NativeStack stack, NativeSocket socket)
    {
        long deadline = Deadline(stack, socket.SendTimeoutMicroseconds);
        while (true)
        {
            TcpConnection c = socket.Connection!;
            if (socket.PendingError != 0)
            {
                return -TakeError(socket);
            }
            if (c.State != TcpState.SynSent)
            {
                return 0;
            }
            if (stack.Now >= deadline)
            {
                return -EINPROGRESS;
            }
            stack.Wait(deadline);
        }
    }

    /// <summary>recvfrom(2) over a list of buffers: read, readv, recv, recvfrom and recvmsg all land here.</summary>
    public static long Receive(NativeStack stack, int fd, IoVec* vectors, int count, int flags, byte* address, uint* addressLength)
    {
        if (count < 0 || count > 1024)
        {
            return -EINVAL;
        }
        if ((flags & (MSG_PEEK | MSG_OOB)) != 0)
        {
            // Not offered by the stack's connection API: said so rather than answered wrongly.
            return -EOPNOTSUPP;
        }
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            long total = TotalLength(vectors, count);
            if (total < 0)
            {
                return total;
            }
            if (socket.Phase != SocketPhase.Connection)
            {
                return -ENOTCONN;
            }
            bool nonBlocking = socket.NonBlocking || (flags & MSG_DONTWAIT) != 0;
            bool waitAll = (flags & MSG_WAITALL) != 0 && !nonBlocking;
            long deadline = Deadline(stack, socket.ReceiveTimeoutMicroseconds);
            long done = 0;
            while (true)
            {
                TcpConnection c = socket.Connection!;
                // Data queued after shutdown(SHUT_RD) is still read, as Linux does (tcp_recvmsg looks at the queue
                // before the shutdown flag); only an empty queue reads as the end of the stream.
                if (c.State != TcpState.SynSent && c.Readable > 0)
                {
                    done += ReadInto(c, vectors, count, done);
                    stack.Pump();
                    socket.AfterCall();
                    if (!waitAll || done >= total)
                    {
                        WriteAddress(address, addressLength, socket.RemoteAddress, socket.RemotePort);
                        return done;
                    }
                    continue;
                }
                if (total == 0)
                {
                    return 0;
                }
                if (socket.PendingError != 0)
                {
                    if (done > 0)
                    {
                        return done;
                    }
                    return -TakeError(socket);
                }
                if (socket.ReadShut || socket.PeerFinished || socket.Aborted || c.State == TcpState.Closed)
                {
                    socket.AfterCall();
                    return done;
                }
                if (nonBlocking)
                {
                    socket.AfterCall();
                    return done > 0 ? done : -EAGAIN;
                }
                if (stack.Now >= deadline)
                {
                    return done > 0 ? done : -EAGAIN;
                }
                stack.Wait(deadline);
            }
        }
    }

    private static long ReadInto(TcpConnection connection, IoVec* vectors, int count, long skip)
    {
        long read = 0;
        for (int i = 0; i < count; i++)
        {
            long len = (long)vectors[i].Length;
            if (skip >= len)
            {
                skip -= len;
                continue;
            }
            byte* start = vectors[i].Base + skip;
            int want = (int)Math.Min(len - skip, int.MaxValue);
            skip = 0;
            int n = connection.Read(new Span<byte>(start, want));
            read += n;
            if (n < want)
            {
                break;
            }
        }
        return read;
    }

    /// <summary>sendto(2) over a list of buffers: write, writev, send, sendto and sendmsg all land here.</summary>
    public static long Send(NativeStack stack, int fd, IoVec* vectors, int count, int flags)
    {
        if (count < 0 || count > 1024)
        {
            return -EINVAL;
        }
        if ((flags & MSG_OOB) != 0)
        {
            return -EOPNOTSUPP;
        }
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            long total = TotalLength(vectors, count);
            if (total < 0)
            {
                return total;
            }
            if (socket.Phase != SocketPhase.Connection)
            {
                if (socket.PendingError != 0)
                {
                    return -TakeError(socket);
                }
                return -EPIPE;
            }
            bool nonBlocking = socket.NonBlocking || (flags & MSG_DONTWAIT) != 0;
            long deadline = Deadline(stack, socket.SendTimeoutMicroseconds);
            long done = 0;
            // Set once the buffer refused more: a writer blocked on memory goes on only when the connection is writeable
            // again (Linux's sk_stream_write_space wakes it when the free room reaches half the charge), not at the first
            // byte an ACK frees.
            bool waitingForSpace = false;
            while (true)
            {
                TcpConnection c = socket.Connection!;
                if (socket.PendingError != 0)
                {
                    return done > 0 ? done : -TakeError(socket);
                }
                if (socket.WriteShut || socket.Aborted || c.State is not (TcpState.SynSent or TcpState.SynReceived or TcpState.Established or TcpState.CloseWait))
                {
                    return done > 0 ? done : -EPIPE;
                }
                if (c.State is not (TcpState.SynSent or TcpState.SynReceived) && (!waitingForSpace || c.IsWriteable))
                {
                    if (done >= total)
                    {
                        return done;
                    }
                    waitingForSpace = false;
                    long n = WriteFrom(c, vectors, count, done);
                    if (n < 0)
                    {
                        return done > 0 ? done : -EPIPE;
                    }
                    done += n;
                    if (n > 0)
                    {
                        stack.PumpAfterWrite();
                        socket.AfterCall();
                        if (done < total)
                        {
                            // What the transmission just sent may leave room in the last buffer (Linux pushes before it
                            // waits and fills that room first), so try once more before sleeping.
                            continue;
                        }
                    }
                    if (done >= total)
                    {
                        return done;
                    }
                    waitingForSpace = true;
                }
                if (nonBlocking)
                {
                    socket.AfterCall();
                    return done > 0 ? done : -EAGAIN;
                }
                if (stack.Now >= deadline)
                {
                    return done > 0 ? done : -EAGAIN;
                }
                stack.Wait(deadline);
            }
        }
    }

    private static long WriteFrom(TcpConnection connection, IoVec* vectors, int count, long skip)
    {
        long written = 0;
        for (int i = 0; i < count; i++)
        {
            long len = (long)vectors[i].Length;
            if (skip >= len)
            {
                skip -= len;
                continue;
            }
            byte* start = vectors[i].Base + skip;
            int want = (int)Math.Min(len - skip, int.MaxValue);
            skip = 0;
            int n = connection.Write(new ReadOnlySpan<byte>(start, want));
            if (n < 0)
            {
                return written > 0 ? written : -1;
            }
            written += n;
            if (n < want)
            {
                break;
            }
        }
        return written;
    }

    /// <summary>close(2) on one of our descriptors.</summary>
    public static long Close(NativeStack stack, int fd)
    {
        lock (stack.Gate)
        {
            if (!stack.Sockets.Contains(fd))
            {
                return NotOurs(stack, fd);
            }
            return CloseLocked(stack, fd);
        }
    }

    /// <summary>close(2) with the gate held.</summary>
    internal static long CloseLocked(NativeStack stack, int fd)
    {
        if (stack.Sockets.FindEpoll(fd) is EpollInstance)
        {
            stack.Sockets.Remove(fd);
            _ = Libc.Close(fd);
            return 0;
        }
        NativeSocket? socket = stack.Sockets.FindSocket(fd);
        if (socket is null)
        {
            return -EBADF;
        }
        if (socket.OtherDescriptors.Count > 0)
        {
            // One of several descriptors of the socket (after dup): only this number goes, as on Linux.
            ForgetDescriptor(stack, fd);
            if (!socket.OtherDescriptors.Remove(fd))
            {
                socket.Fd = socket.OtherDescriptors[^1];
                socket.OtherDescriptors.RemoveAt(socket.OtherDescriptors.Count - 1);
            }
            _ = Libc.Close(fd);
            return 0;
        }
        if (socket.Listener is not null)
        {
            stack.Engine.CloseListener(socket.Listener);
            socket.Listener = null;
        }
        if (socket.Connection is TcpConnection c)
        {
            c.Handler = null;
            if (socket.LingerOn && socket.LingerSeconds == 0)
            {
                // SO_LINGER with a zero timeout: drop at once with a RST.
                c.Abort();
            }
            c.Close();
            stack.TrackClosed(c);
            socket.Connection = null;
        }
        stack.PumpAfterWrite();
        ForgetDescriptor(stack, fd);
        _ = Libc.Close(fd);
        stack.NotifyChanged();
        return 0;
    }

    private static void ForgetDescriptor(NativeStack stack, int fd)
    {
        stack.Sockets.Remove(fd);
        foreach (EpollInstance epoll in stack.Sockets.EpollInstances)
        {
            epoll.Forget(fd);
        }
    }

    /// <summary>shutdown(2).</summary>
    public static long Shutdown(NativeStack stack, int fd, int how)
    {
        if (how is not (SHUT_RD or SHUT_WR or SHUT_RDWR))
        {
            return -EINVAL;
        }
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            if (socket.Phase == SocketPhase.Listening && socket.Listener is not null)
            {
                // Linux: shutdown of a listener stops it (tcp_disconnect) and wakes a blocked accept.
                stack.Engine.CloseListener(socket.Listener);
                socket.Listener = null;
                socket.Phase = SocketPhase.Bound;
                stack.NotifyChanged();
                return 0;
            }
            if (socket.Phase != SocketPhase.Connection || socket.Connection is null)
            {
                return -ENOTCONN;
            }
            if (how is SHUT_RD or SHUT_RDWR)
            {
                socket.ReadShut = true;
            }
            if (how is SHUT_WR or SHUT_RDWR)
            {
                socket.WriteShut = true;
                socket.Connection.Shutdown();
            }
            stack.PumpAfterWrite();
            socket.AfterCall();
            stack.NotifyChanged();
            return 0;
        }
    }

    /// <summary>getsockname(2).</summary>
    public static long GetSockName(NativeStack stack, int fd, byte* address, uint* length)
    {
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            WriteAddress(address, length, socket.LocalAddress, socket.LocalPort);
            return 0;
        }
    }

    /// <summary>getpeername(2).</summary>
    public static long GetPeerName(NativeStack stack, int fd, byte* address, uint* length)
    {
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            if (socket.Phase != SocketPhase.Connection || socket.Connection is null || socket.Connection.State == TcpState.SynSent)
            {
                return -ENOTCONN;
            }
            WriteAddress(address, length, socket.RemoteAddress, socket.RemotePort);
            return 0;
        }
    }

    /// <summary>fcntl(2): F_GETFL/F_SETFL (O_NONBLOCK) and F_GETFD/F_SETFD.</summary>
    public static long Fcntl(NativeStack stack, int fd, int command, long argument)
    {
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return stack.Sockets.Contains(fd) ? (command is F_GETFL ? O_RDWR : 0) : NotOurs(stack, fd);
            }
            switch (command)
            {
                case F_GETFL:
                    return O_RDWR | (socket.NonBlocking ? O_NONBLOCK : 0);
                case F_SETFL:
                    socket.NonBlocking = (argument & O_NONBLOCK) != 0;
                    return 0;
                case F_GETFD:
                    return socket.CloseOnExec ? FD_CLOEXEC : 0;
                case F_SETFD:
                    socket.CloseOnExec = (argument & FD_CLOEXEC) != 0;
                    return 0;
                default:
                    return -EINVAL;
            }
        }
    }

    /// <summary>ioctl(2): FIONBIO, FIONREAD (SIOCINQ), SIOCOUTQ.</summary>
    public static long Ioctl(NativeStack stack, int fd, ulong request, void* argument)
    {
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            if (argument is null)
            {
                return -EFAULT;
            }
            switch (request)
            {
                case FIONBIO:
                    socket.NonBlocking = *(int*)argument != 0;
                    return 0;
                case FIONREAD:
                    if (socket.Phase == SocketPhase.Listening)
                    {
                        return -EINVAL;
                    }
                    *(int*)argument = socket.Connection?.Readable ?? 0;
                    return 0;
                case SIOCOUTQ:
                    if (socket.Phase == SocketPhase.Listening)
                    {
                        return -EINVAL;
                    }
                    *(int*)argument = socket.Connection?.Unacknowledged ?? 0;
                    return 0;
                default:
                    return -ENOTTY;
            }
        }
    }

    /// <summary>getsockopt(2).</summary>
    public static long GetSockOpt(NativeStack stack, int fd, int level, int name, byte* value, uint* length)
    {
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            if (length is null || (value is null && *length != 0))
            {
                return -EFAULT;
            }
            return SocketOptions.Get(stack, socket, level, name, value, length);
        }
    }

    /// <summary>setsockopt(2).</summary>
    public static long SetSockOpt(NativeStack stack, int fd, int level, int name, byte* value, uint length)
    {
        lock (stack.Gate)
        {
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                return NotOurs(stack, fd);
            }
            if (value is null && length != 0)
            {
                return -EFAULT;
            }
            long result = SocketOptions.Set(stack, socket, level, name, value, length);
            stack.Pump();
            return result;
        }
    }

    /// <summary>poll(2) over our descriptors; a descriptor that is not ours reads as POLLNVAL.</summary>
    public static long Poll(NativeStack stack, PollFd* fds, ulong count, long timeoutMicroseconds)
    {
        if (count > SocketTable.Capacity)
        {
            return -EINVAL;
        }
        lock (stack.Gate)
        {
            // The program's wait begins: what it wrote since its last one leaves now (NativeStack.DeferOutput).
            stack.FlushDeferredOutput();
            long deadline = timeoutMicroseconds < 0 ? NoDeadline : stack.Now + timeoutMicroseconds;
            while (true)
            {
                int ready = 0;
                for (ulong i = 0; i < count; i++)
                {
                    ref PollFd p = ref fds[i];
                    p.Revents = 0;
                    if (p.Fd < 0)
                    {
                        continue;
                    }
                    NativeSocket? socket = stack.Sockets.FindSocket(p.Fd);
                    if (socket is null)
                    {
                        p.Revents = POLLNVAL;
                    }
                    else
                    {
                        p.Revents = (short)(socket.PollEvents() & (p.Events | POLLERR | POLLHUP));
                    }
                    if (p.Revents != 0)
                    {
                        ready++;
                    }
                }
                if (ready > 0 || stack.Now >= deadline)
                {
                    return ready;
                }
                stack.Wait(deadline);
            }
        }
    }

    /// <summary>epoll_create1(2).</summary>
    public static long EpollCreate(NativeStack stack, int flags)
    {
        lock (stack.Gate)
        {
            int fd = Libc.EventFd(0, Libc.EventFdFlags);
            if (fd < 0)
            {
                return -*Libc.ErrnoLocation();
            }
            if (!stack.Sockets.TryAdd(fd, new EpollInstance(fd)))
            {
                _ = Libc.Close(fd);
                return -EMFILE;
            }
            return fd;
        }
    }

    /// <summary>epoll_ctl(2).</summary>
    public static long EpollCtl(NativeStack stack, int epfd, int op, int fd, EpollEvent* ev)
    {
        lock (stack.Gate)
        {
            EpollInstance? epoll = stack.Sockets.FindEpoll(epfd);
            if (epoll is null)
            {
                return stack.Sockets.Contains(epfd) ? -EINVAL : NotOurs(stack, epfd);
            }
            if (fd == epfd)
            {
                return -EINVAL;
            }
            NativeSocket? socket = stack.Sockets.FindSocket(fd);
            if (socket is null)
            {
                // Only our sockets can be watched by our epoll (a kernel descriptor here would need the kernel's epoll).
                return stack.Sockets.Contains(fd) ? -EINVAL : -EPERM;
            }
            if (op != EPOLL_CTL_DEL && ev is null)
            {
                return -EFAULT;
            }
            return op switch
            {
                EPOLL_CTL_ADD => epoll.Add(fd, socket, ev->Events, ev->Data),
                EPOLL_CTL_MOD => epoll.Modify(fd, ev->Events, ev->Data),
                EPOLL_CTL_DEL => epoll.Remove(fd),
                _ => -EINVAL,
            };
        }
    }

    /// <summary>epoll_wait(2).</summary>
    public static long EpollWait(NativeStack stack, int epfd, EpollEvent* events, int maxEvents, long timeoutMicroseconds)
    {
        if (maxEvents <= 0)
        {
            return -EINVAL;
        }
        lock (stack.Gate)
        {
            // The program's wait begins: what it wrote since its last one leaves now (NativeStack.DeferOutput).
            stack.FlushDeferredOutput();
            EpollInstance? epoll = stack.Sockets.FindEpoll(epfd);
            if (epoll is null)
            {
                return stack.Sockets.Contains(epfd) ? -EINVAL : NotOurs(stack, epfd);
            }
            long deadline = timeoutMicroseconds < 0 ? NoDeadline : stack.Now + timeoutMicroseconds;
            while (true)
            {
                int n = epoll.Collect(events, maxEvents);
                if (n > 0 || stack.Now >= deadline)
                {
                    return n;
                }
                stack.Wait(deadline);
            }
        }
    }

    private static long Deadline(NativeStack stack, long timeoutMicroseconds) =>
        timeoutMicroseconds > 0 ? stack.Now + timeoutMicroseconds : NoDeadline;

    private static int TakeError(NativeSocket socket)
    {
        int error = socket.PendingError;
        socket.PendingError = 0;
        return error;
    }

    private static long NotOurs(NativeStack stack, int fd) => fd < 0 || !stack.Sockets.Contains(fd) ? -EBADF : -ENOTSOCK;

    /// <summary>The bytes the vectors cover, or a negative errno for a bad vector.</summary>
    private static long TotalLength(IoVec* vectors, int count)
    {
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            if (vectors[i].Length > int.MaxValue)
            {
                return -EINVAL;
            }
            if (vectors[i].Base is null && vectors[i].Length != 0)
            {
                // The kernel's copy faults on a null buffer; any other bad pointer would fault here too, as SIGSEGV.
                return -EFAULT;
            }
            total += (long)vectors[i].Length;
        }
        return total;
    }

    /// <summary>Reads a sockaddr_in; returns 0 or the errno Linux gives for a bad one.</summary>
    internal static int ReadAddress(byte* address, uint length, out IpAddress ip, out ushort port)
    {
        ip = IpAddress.FromIPv4(0u);
        port = 0;
        if (address is null)
        {
            return EFAULT;
        }
        if (length < sizeof(SockAddrIn))
        {
            return EINVAL;
        }
        SockAddrIn* sin = (SockAddrIn*)address;
        if (sin->Family != AF_INET)
        {
            return EAFNOSUPPORT;
        }
        ip = IpAddress.FromIPv4(BinaryPrimitives.ReverseEndianness(sin->AddressNetworkOrder));
        port = BinaryPrimitives.ReverseEndianness(sin->PortNetworkOrder);
        return 0;
    }

    /// <summary>Writes a sockaddr_in, cut to *<paramref name="length"/>, and sets *length to its full size.</summary>
    internal static void WriteAddress(byte* address, uint* length, IpAddress ip, ushort port)
    {
        if (address is null || length is null)
        {
            return;
        }
        SockAddrIn sin = default;
        sin.Family = AF_INET;
        sin.PortNetworkOrder = BinaryPrimitives.ReverseEndianness(port);
        sin.AddressNetworkOrder = ip.IsIPv4 ? BinaryPrimitives.ReverseEndianness(ip.V4) : 0;
        uint n = Math.Min(*length, (uint)sizeof(SockAddrIn));
        new ReadOnlySpan<byte>(&sin, sizeof(SockAddrIn))[..(int)n].CopyTo(new Span<byte>(address, (int)n));
        *length = (uint)sizeof(SockAddrIn);
    }
}
