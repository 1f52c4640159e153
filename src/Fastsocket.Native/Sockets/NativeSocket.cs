using System.Net.Sockets;
using Fastsocket.Native.Abi;
using Fastsocket.Native.Hosting;
using Fastsocket.Native.Interop;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Wire;
using static Fastsocket.Native.Abi.LinuxSocketConstants;

namespace Fastsocket.Native.Sockets;

/// <summary>
/// One TCP socket of the C ABI: its descriptor, options, the listener or connection behind it, and the error
/// SO_ERROR and the next call report. It hears the engine (as the connection's and the listener's handler) and then
/// wakes blocked calls and raises or clears its eventfd, so the kernel's poll and epoll see it readable exactly
/// when the stack says it is.
/// </summary>
internal sealed class NativeSocket : ITcpConnectionHandler, IListenerHandler
{
    private readonly NativeStack _stack;
    private bool _signalled;

    /// <summary>A socket on descriptor <paramref name="fd"/> (an eventfd the socket owns).</summary>
    public NativeSocket(NativeStack stack, int fd)
    {
        _stack = stack;
        Fd = fd;
    }

    /// <summary>The descriptor whose eventfd the socket signals (another of its descriptors once this one is closed).</summary>
    public int Fd { get; set; }

    /// <summary>The socket's descriptors besides <see cref="Fd"/>: kernel duplicates of its eventfd (dup, dup2, F_DUPFD).</summary>
    public List<int> OtherDescriptors { get; } = [];

    /// <summary>Where the socket is in its life.</summary>
    public SocketPhase Phase { get; set; }

    /// <summary>O_NONBLOCK.</summary>
    public bool NonBlocking { get; set; }

    /// <summary>FD_CLOEXEC as F_SETFD set it.</summary>
    public bool CloseOnExec { get; set; }

    /// <summary>Local address (Any until bound to one, or connected).</summary>
    public IpAddress LocalAddress { get; set; } = IpAddress.FromIPv4(0u);

    /// <summary>Local port, 0 until bound.</summary>
    public ushort LocalPort { get; set; }

    /// <summary>The peer's address once connecting.</summary>
    public IpAddress RemoteAddress { get; set; } = IpAddress.FromIPv4(0u);

    /// <summary>The peer's port once connecting.</summary>
    public ushort RemotePort { get; set; }

    /// <summary>The listener, while listening.</summary>
    public Listener? Listener { get; set; }

    /// <summary>The connection, once connecting or accepted.</summary>
    public TcpConnection? Connection { get; set; }

    /// <summary>The errno waiting to be reported (sk_err): by SO_ERROR, or by the next read, write or connect.</summary>
    public int PendingError { get; set; }

    /// <summary>shutdown(SHUT_RD) was called.</summary>
    public bool ReadShut { get; set; }

    /// <summary>shutdown(SHUT_WR) was called.</summary>
    public bool WriteShut { get; set; }

    /// <summary>The connection ended with a reset or timeout (Linux's sk_shutdown = SHUTDOWN_MASK after tcp_done).</summary>
    public bool Aborted { get; set; }

    /// <summary>Bumped on every event from the engine; edge-triggered epoll reports a socket again when it moved.</summary>
    public long EventGeneration { get; private set; }

    /// <summary>SO_REUSEADDR.</summary>
    public bool ReuseAddress { get; set; }

    /// <summary>SO_REUSEPORT.</summary>
    public bool ReusePort { get; set; }

    /// <summary>SO_KEEPALIVE.</summary>
    public bool KeepAlive { get; set; }

    /// <summary>TCP_NODELAY (applied to the connection too).</summary>
    public bool NoDelay { get; set; }

    /// <summary>SO_SNDBUF as getsockopt reports it (Linux doubles what setsockopt asks for); 0 = the stack's default.</summary>
    public int SendBufferOption { get; set; }

    /// <summary>SO_RCVBUF as getsockopt reports it; 0 = the stack's default.</summary>
    public int ReceiveBufferOption { get; set; }

    /// <summary>SO_LINGER on/off.</summary>
    public bool LingerOn { get; set; }

    /// <summary>SO_LINGER seconds.</summary>
    public int LingerSeconds { get; set; }

    /// <summary>IP_TOS as set, its ECN bits cleared (the stack owns them); applied to the connection.</summary>
    public byte TypeOfService { get; set; }

    /// <summary>IP_MTU_DISCOVER as set (Linux's IP_PMTUDISC_*; 1, IP_PMTUDISC_WANT, is its default for TCP).</summary>
    public int MtuDiscover { get; set; } = 1;

    /// <summary>TCP_MAXSEG as set (0: not set).</summary>
    public int MaxSegmentOption { get; set; }

    /// <summary>SO_RCVTIMEO in microseconds (0: none).</summary>
    public long ReceiveTimeoutMicroseconds { get; set; }

    /// <summary>SO_SNDTIMEO in microseconds (0: none).</summary>
    public long SendTimeoutMicroseconds { get; set; }

    /// <summary>Whether the peer's FIN has arrived (Linux's RCV_SHUTDOWN).</summary>
    public bool PeerFinished
    {
        get
        {
            TcpConnection? c = Connection;
            return c is not null && (c.ReceiveCompleted || c.State is TcpState.CloseWait or TcpState.LastAck or TcpState.Closing or TcpState.TimeWait);
        }
    }

    /// <summary>Readiness as Linux's tcp_poll computes it.</summary>
    public short PollEvents()
    {
        if (Phase == SocketPhase.Listening)
        {
            return Listener is { QueuedCount: > 0 } ? (short)(POLLIN | POLLRDNORM) : (short)0;
        }
        int mask = 0;
        TcpConnection? c = Connection;
        TcpState state = c?.State ?? TcpState.Closed;
        bool closed = c is null || state == TcpState.Closed || Aborted;
        bool receiveShut = ReadShut || PeerFinished || Aborted;
        bool sendShut = WriteShut || Aborted;
        if ((receiveShut && sendShut) || closed)
        {
            mask |= POLLHUP;
        }
        if (receiveShut)
        {
            mask |= POLLIN | POLLRDNORM | POLLRDHUP;
        }
        if (state is not (TcpState.SynSent or TcpState.SynReceived))
        {
            if (c is not null && c.Readable > 0)
            {
                mask |= POLLIN | POLLRDNORM;
            }
            if (!sendShut)
            {
                if (IsWriteable())
                {
                    mask |= POLLOUT | POLLWRNORM;
                }
            }
            else
            {
                mask |= POLLOUT | POLLWRNORM;
            }
        }
        if (PendingError != 0)
        {
            mask |= POLLERR;
        }
        return (short)mask;
    }

    /// <summary>Linux's sk_stream_is_writeable: the free room at least half of the charge (<see cref="TcpConnection.IsWriteable"/>).</summary>
    private bool IsWriteable()
    {
        TcpConnection? c = Connection;
        if (c is null)
        {
            // A fresh socket: Linux reports it writable (and hung up).
            return true;
        }
        if (!c.IsSynchronized && c.State != TcpState.CloseWait)
        {
            return c.State is TcpState.Closed or TcpState.TimeWait or TcpState.LastAck or TcpState.Closing;
        }
        return c.IsWriteable;
    }

    /// <summary>Raises or clears the eventfd so the kernel's view of the descriptor follows the stack's readiness.</summary>
    public unsafe void UpdateSignal()
    {
        bool ready = (PollEvents() & (POLLIN | POLLERR | POLLHUP)) != 0;
        if (ready == _signalled)
        {
            return;
        }
        ulong value = 1;
        if (ready)
        {
            _ = Libc.Write(Fd, &value, sizeof(ulong));
        }
        else
        {
            _ = Libc.Read(Fd, &value, sizeof(ulong));
        }
        _signalled = ready;
    }

    private void Changed()
    {
        EventGeneration++;
        UpdateSignal();
        _stack.NotifyChanged();
    }

    /// <inheritdoc/>
    public void OnConnected(TcpConnection connection, SocketError error)
    {
        if (error != SocketError.Success)
        {
            PendingError = LinuxErrno.From(error);
            Aborted = true;
        }
        Changed();
    }

    /// <inheritdoc/>
    public void OnReadable(TcpConnection connection) => Changed();

    /// <inheritdoc/>
    public void OnWritable(TcpConnection connection) => Changed();

    /// <inheritdoc/>
    public void OnClosed(TcpConnection connection, SocketError error)
    {
        if (error != SocketError.Success)
        {
            // A reset in CLOSE-WAIT reads as EPIPE on Linux (tcp_reset); elsewhere as ECONNRESET.
            PendingError = error == SocketError.ConnectionReset && PeerFinished ? LinuxErrno.EPIPE : LinuxErrno.From(error);
            Aborted = true;
        }
        Changed();
    }

    /// <inheritdoc/>
    public void OnAcceptable(Listener listener) => Changed();

    /// <summary>Called after each socket call that may have changed readiness.</summary>
    public void AfterCall() => UpdateSignal();
}
