using Fastsocket.Native.Abi;
using Fastsocket.Native.Hosting;
using Fastsocket.Tcp;
using static Fastsocket.Native.Abi.LinuxErrno;
using static Fastsocket.Native.Abi.LinuxSocketConstants;

namespace Fastsocket.Native.Sockets;

/// <summary>getsockopt and setsockopt for SOL_SOCKET, SOL_IP and IPPROTO_TCP, as Linux answers them.</summary>
internal static unsafe class SocketOptions
{
    // SOL_IP options (linux/in.h) and IP_MTU_DISCOVER's values.
    private const int IP_TOS = 1;
    private const int IP_MTU_DISCOVER = 10;
    private const int IP_PMTUDISC_DONT = 0;
    private const int IP_PMTUDISC_OMIT = 5;

    /// <summary>Linux's SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF on x86-64.</summary>
    private const int MinSendBuffer = 4608;

    /// <summary>The largest SO_SNDBUF request Linux takes as it is: net.core.wmem_max's default.</summary>
    private const int MaxSendBufferRequest = 212992;
    private const int MinReceiveBuffer = 2304;

    /// <summary>getsockopt with the gate held.</summary>
    public static long Get(NativeStack stack, NativeSocket socket, int level, int name, byte* value, uint* length)
    {
        if (level == SOL_SOCKET)
        {
            switch (name)
            {
                case SO_ERROR:
                    int error = socket.PendingError;
                    socket.PendingError = 0;
                    socket.AfterCall();
                    return PutInt(value, length, error);
                case SO_TYPE:
                    return PutInt(value, length, SOCK_STREAM);
                case SO_DOMAIN:
                    return PutInt(value, length, AF_INET);
                case SO_PROTOCOL:
                    return PutInt(value, length, IPPROTO_TCP);
                case SO_ACCEPTCONN:
                    return PutInt(value, length, socket.Phase == SocketPhase.Listening ? 1 : 0);
                case SO_REUSEADDR:
                    return PutInt(value, length, socket.ReuseAddress ? 1 : 0);
                case SO_REUSEPORT:
                    return PutInt(value, length, socket.ReusePort ? 1 : 0);
                case SO_KEEPALIVE:
                    return PutInt(value, length, socket.KeepAlive ? 1 : 0);
                case SO_SNDBUF:
                    return PutInt(value, length, socket.SendBufferOption > 0 ? socket.SendBufferOption : stack.Config.SendBufferSize);
                case SO_RCVBUF:
                    return PutInt(value, length, socket.ReceiveBufferOption > 0 ? socket.ReceiveBufferOption : stack.Config.ReceiveBufferSize);
                case SO_LINGER:
                    {
                        var linger = new Linger { OnOff = socket.LingerOn ? 1 : 0, Seconds = socket.LingerSeconds };
                        return PutBytes(value, length, &linger, sizeof(Linger));
                    }
                case SO_MEMINFO:
                    // Nine u32 counters (sk_meminfo); the stack keeps none of them per socket, so all read as 0.
                    {
                        uint* zeros = stackalloc uint[9];
                        new Span<uint>(zeros, 9).Clear();
                        return PutBytes(value, length, zeros, 9 * sizeof(uint));
                    }
                default:
                    return -ENOPROTOOPT;
            }
        }
        if (level == IPPROTO_IP)
        {
            switch (name)
            {
                case IP_TOS:
                    return PutInt(value, length, socket.TypeOfService);
                case IP_MTU_DISCOVER:
                    return PutInt(value, length, socket.MtuDiscover);
                default:
                    return -ENOPROTOOPT;
            }
        }
        if (level == IPPROTO_TCP)
        {
            TcpConnection? c = socket.Connection;
            switch (name)
            {
                case TCP_NODELAY:
                    return PutInt(value, length, socket.NoDelay ? 1 : 0);
                case TCP_MAXSEG:
                    return PutInt(value, length, c is not null && c.IsSynchronized ? c.SendMss :
                        socket.MaxSegmentOption > 0 ? socket.MaxSegmentOption : 536);
                case TCP_INFO:
                    {
                        TcpInfo info = TcpInfo.From(socket, stack);
                        return PutBytes(value, length, &info, sizeof(TcpInfo));
                    }
                case TCP_CC_INFO:
                    // Linux returns an empty answer for congestion controls without extra information (cubic, reno).
                    *length = 0;
                    return 0;
                case TCP_CONGESTION:
                    {
                        string cc = (c?.CongestionControl ?? stack.Config.CongestionControl) == CongestionControlAlgorithm.Cubic ? "cubic" : "reno";
                        Span<byte> text = stackalloc byte[16];
                        text.Clear();
                        System.Text.Encoding.ASCII.GetBytes(cc, text);
                        fixed (byte* p = text)
                        {
                            return PutBytes(value, length, p, 16);
                        }
                    }
                default:
                    return -ENOPROTOOPT;
            }
        }
        return -ENOPROTOOPT;
    }

    /// <summary>setsockopt with the gate held.</summary>
    public static long Set(NativeStack stack, NativeSocket socket, int level, int name, byte* value, uint length)
    {
        if (level == SOL_SOCKET)
        {
            switch (name)
            {
                case SO_REUSEADDR:
                    return GetInt(value, length, out int reuse) ?? Apply(() => socket.ReuseAddress = reuse != 0);
                case SO_REUSEPORT:
                    return GetInt(value, length, out int reusePort) ?? Apply(() => socket.ReusePort = reusePort != 0);
                case SO_KEEPALIVE:
                    return GetInt(value, length, out int keepAlive) ?? Apply(() =>
                    {
                        socket.KeepAlive = keepAlive != 0;
                        if (socket.Connection is TcpConnection c)
                        {
                            c.KeepAlive = keepAlive != 0;
                        }
                    });
                case SO_SNDBUF:
                    // Linux clamps the request to net.core.wmem_max, doubles it (room for its bookkeeping: the limit
                    // counts socket buffers' truesize, which the stack charges the same way) and reports the doubled
                    // value; on a connected socket it applies at once.
                    return GetInt(value, length, out int sndbuf) ?? Apply(() =>
                    {
                        socket.SendBufferOption = Math.Max(MinSendBuffer, 2 * Math.Clamp(sndbuf, 0, MaxSendBufferRequest));
                        if (socket.Connection is TcpConnection c)
                        {
                            c.SendBufferSize = socket.SendBufferOption;
                        }
                    });
                case SO_RCVBUF:
                    return GetInt(value, length, out int rcvbuf) ?? Apply(() =>
                        socket.ReceiveBufferOption = Math.Max(MinReceiveBuffer, (int)Math.Min(2L * Math.Max(rcvbuf, 0), int.MaxValue)));
                case SO_LINGER:
                    if (length < sizeof(Linger))
                    {
                        return -EINVAL;
                    }
                    socket.LingerOn = ((Linger*)value)->OnOff != 0;
                    socket.LingerSeconds = Math.Max(0, ((Linger*)value)->Seconds);
                    return 0;
                case SO_RCVTIMEO:
                case SO_SNDTIMEO:
                    {
                        if (length < sizeof(TimeVal))
                        {
                            return -EINVAL;
                        }
                        TimeVal* tv = (TimeVal*)value;
                        if (tv->Microseconds is < 0 or >= 1_000_000)
                        {
                            return -EDOM;
                        }
                        long micros = tv->Seconds < 0 ? 0 : tv->Seconds * 1_000_000 + tv->Microseconds;
                        if (name == SO_RCVTIMEO)
                        {
                            socket.ReceiveTimeoutMicroseconds = micros;
                        }
                        else
                        {
                            socket.SendTimeoutMicroseconds = micros;
                        }
                        return 0;
                    }
                default:
                    return -ENOPROTOOPT;
            }
        }
        if (level == IPPROTO_IP)
        {
            // Linux takes an int, or a single byte when optlen is shorter (ip_setsockopt).
            if (length < 1)
            {
                return -EINVAL;
            }
            int v = length >= sizeof(int) ? *(int*)value : *value;
            switch (name)
            {
                case IP_TOS:
                    // A TCP socket keeps the ECN bits to itself (RFC 3168): Linux drops them from the value set.
                    socket.TypeOfService = (byte)(v & ~Wire.EcnCodepoint.Mask);
                    ApplyIpOptions(socket, socket.Connection);
                    return 0;
                case IP_MTU_DISCOVER:
                    if (v is < IP_PMTUDISC_DONT or > IP_PMTUDISC_OMIT)
                    {
                        return -EINVAL;
                    }
                    socket.MtuDiscover = v;
                    ApplyIpOptions(socket, socket.Connection);
                    return 0;
                default:
                    return -ENOPROTOOPT;
            }
        }
        if (level == IPPROTO_TCP)
        {
            switch (name)
            {
                case TCP_NODELAY:
                    return GetInt(value, length, out int noDelay) ?? Apply(() =>
                    {
                        socket.NoDelay = noDelay != 0;
                        if (socket.Connection is TcpConnection c)
                        {
                            c.NoDelay = noDelay != 0;
                        }
                    });
                case TCP_MAXSEG:
                    // Linux accepts 88..32767 (TCP_MIN_MSS..MAX_TCP_WINDOW). On a listener it caps the MSS its
                    // connections announce and send; on a connection it is kept and reported.
                    return GetInt(value, length, out int mss) ?? (mss is < 88 or > 32767 ? -EINVAL : Apply(() =>
                    {
                        socket.MaxSegmentOption = mss;
                        if (socket.Listener is not null)
                        {
                            socket.Listener.MaxSegmentSize = mss;
                        }
                    }));
                default:
                    return -ENOPROTOOPT;
            }
        }
        return -ENOPROTOOPT;
    }

    private const int EDOM = 33;

    /// <summary>
    /// IP_TOS and IP_MTU_DISCOVER onto the connection: the TOS byte of what it sends from now on, and DF unless path MTU
    /// discovery is off (IP_PMTUDISC_DONT). A SYN already sent kept the values it had.
    /// </summary>
    public static void ApplyIpOptions(NativeSocket socket, TcpConnection? connection)
    {
        if (connection is null)
        {
            return;
        }
        connection.TrafficClass = socket.TypeOfService;
        connection.PathMtuDiscovery = socket.MtuDiscover != IP_PMTUDISC_DONT;
    }

    private static long Apply(Action action)
    {
        action();
        return 0;
    }

    private static long? GetInt(byte* value, uint length, out int result)
    {
        result = 0;
        if (length < sizeof(int))
        {
            return -EINVAL;
        }
        result = *(int*)value;
        return null;
    }

    private static long PutInt(byte* value, uint* length, int v) => PutBytes(value, length, &v, sizeof(int));

    private static long PutBytes(byte* value, uint* length, void* source, int size)
    {
        uint n = Math.Min(*length, (uint)size);
        if (n > 0)
        {
            new ReadOnlySpan<byte>(source, (int)n).CopyTo(new Span<byte>(value, (int)n));
        }
        *length = n;
        return 0;
    }
}
