namespace Fastsocket.Native.Abi;

/// <summary>The Linux (x86-64 and arm64) errno values the socket calls return.</summary>
internal static class LinuxErrno
{
    public const int EPERM = 1;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EINVAL = 22;
    public const int EMFILE = 24;
    public const int ENOTTY = 25;
    public const int EPIPE = 32;
    public const int ENOTSOCK = 88;
    public const int EDESTADDRREQ = 89;
    public const int EPROTOTYPE = 91;
    public const int ENOPROTOOPT = 92;
    public const int EPROTONOSUPPORT = 93;
    public const int ESOCKTNOSUPPORT = 94;
    public const int EOPNOTSUPP = 95;
    public const int EAFNOSUPPORT = 97;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETUNREACH = 101;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ENOBUFS = 105;
    public const int EISCONN = 106;
    public const int ENOTCONN = 107;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;
    public const int EALREADY = 114;
    public const int EINPROGRESS = 115;
    public const int ENOENT = 2;
    public const int ENOSYS = 38;

    /// <summary>The errno Linux reports for a socket error of the stack.</summary>
    public static int From(System.Net.Sockets.SocketError error) => error switch
    {
        System.Net.Sockets.SocketError.Success => 0,
        System.Net.Sockets.SocketError.ConnectionRefused => ECONNREFUSED,
        System.Net.Sockets.SocketError.ConnectionReset => ECONNRESET,
        System.Net.Sockets.SocketError.TimedOut => ETIMEDOUT,
        System.Net.Sockets.SocketError.ConnectionAborted => ECONNABORTED,
        System.Net.Sockets.SocketError.HostUnreachable => EHOSTUNREACH,
        System.Net.Sockets.SocketError.NetworkUnreachable => ENETUNREACH,
        System.Net.Sockets.SocketError.AddressAlreadyInUse => EADDRINUSE,
        System.Net.Sockets.SocketError.AddressNotAvailable => EADDRNOTAVAIL,
        System.Net.Sockets.SocketError.NoBufferSpaceAvailable => ENOBUFS,
        System.Net.Sockets.SocketError.InvalidArgument => EINVAL,
        System.Net.Sockets.SocketError.Shutdown => EPIPE,
        System.Net.Sockets.SocketError.NotConnected => ENOTCONN,
        System.Net.Sockets.SocketError.IsConnected => EISCONN,
        System.Net.Sockets.SocketError.MessageSize => EINVAL,
        _ => EIO,
    };
}
