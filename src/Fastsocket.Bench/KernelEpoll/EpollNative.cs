using System.Net;
using System.Runtime.InteropServices;
using Fastsocket.Interop;

namespace Fastsocket.Bench.KernelEpoll;

/// <summary>
/// The Linux system calls the <c>kernel-epoll</c> bench target drives directly, as a C server such as nginx does:
/// sockets, epoll and an eventfd, with no managed socket layer between the loop and the kernel. Kept inside the
/// bench so the stack library's API does not grow. Every call sets errno (read with <see cref="Errno"/>).
/// </summary>
internal static unsafe partial class EpollNative
{
    public const int AfInet = 2;
    public const int SockStream = 1;
    public const int SockNonBlock = 0x800;
    public const int SockCloExec = 0x80000;
    public const int SolSocket = 1;
    public const int SoReuseAddr = 2;
    public const int SoError = 4;
    public const int SoReusePort = 15;
    public const int IpProtoTcp = 6;
    public const int TcpNoDelay = 1;
    public const int RlimitNoFile = 7;

    public const int EpollCloExec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCtlMod = 3;
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 0x80000000;

    public const int EfdNonBlock = 0x800;
    public const int EfdCloExec = 0x80000;

    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int EConnAborted = 103;
    public const int EInProgress = 115;

    /// <summary>
    /// Bytes of one <c>struct epoll_event</c>: x86-64 packs it (a 32-bit mask, then the 64-bit data at offset 4);
    /// other architectures align the data to 8.
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    /// <summary>Offset of the 64-bit data inside one epoll event.</summary>
    public static readonly int EventDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>errno of the last call on this thread.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, int* value, uint length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, int* value, uint* length);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, SockAddrIn* address, uint length);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, SockAddrIn* address, uint length);

    [LibraryImport("libc", EntryPoint = "listen", SetLastError = true)]
    public static partial int Listen(int fd, int backlog);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, SockAddrIn* address, uint* length);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept4(int fd, SockAddrIn* address, uint* length, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* epollEvent);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, ulong* limits);

    /// <summary>
    /// The CPUs this process was given (taskset, a cpuset), read the first time a bench thread is placed: core k of a
    /// kernel baseline goes on the k-th of them, as the stack's engines do (<see cref="ThreadAffinity"/>), not on CPU k,
    /// which may lie outside them.
    /// </summary>
    public static IReadOnlyList<int> AllowedCpus => s_allowedCpus.Value;

    private static readonly Lazy<int[]> s_allowedCpus = new(ThreadAffinity.AllowedCpus);

    /// <summary>epoll_ctl with one event built on the stack: <paramref name="events"/> and the 64-bit <paramref name="data"/>.</summary>
    public static int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + EventDataOffset) = data;
        return EpollCtl(epfd, op, fd, ev);
    }

    /// <summary>setsockopt of one int option.</summary>
    public static int SetInt(int fd, int level, int name, int value) => SetSockOpt(fd, level, name, &value, sizeof(int));

    /// <summary>The process's open-file limit (soft), so fd-indexed tables can hold every descriptor; 65536 if unknown.</summary>
    public static int OpenFileLimit()
    {
        ulong* limits = stackalloc ulong[2];
        return GetRLimit(RlimitNoFile, limits) == 0 && limits[0] is > 0 and < int.MaxValue ? (int)limits[0] : 65536;
    }

    /// <summary>
    /// Pins the calling thread to the <paramref name="cpu"/>-th CPU of <see cref="AllowedCpus"/> (wrapping around); false
    /// if the kernel refused.
    /// </summary>
    public static bool PinCurrentThread(int cpu) => ThreadAffinity.TryPinCurrentThread(ThreadAffinity.CpuForSlot(AllowedCpus, cpu));

    /// <summary>An exception naming the failed <paramref name="call"/> and its errno, for set-up failures.</summary>
    public static InvalidOperationException Failure(string call) =>
        new($"{call} failed: {new System.Net.Sockets.SocketException(Errno).Message} (errno {Errno}).");

    /// <summary>An IPv4 <c>struct sockaddr_in</c>, port and address in network byte order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrIn
    {
        public ushort Family;
        public ushort PortNetworkOrder;
        public uint AddressNetworkOrder;
        public ulong Zero;

        /// <summary>127.a.b.c style address given as its four bytes, and a host-order port.</summary>
        public static SockAddrIn Create(ReadOnlySpan<byte> address, int port) => new()
        {
            Family = AfInet,
            PortNetworkOrder = (ushort)IPAddress.HostToNetworkOrder((short)port),
            AddressNetworkOrder = MemoryMarshal.Read<uint>(address),
        };

        /// <summary>The port in host order.</summary>
        public readonly int Port => (ushort)IPAddress.NetworkToHostOrder((short)PortNetworkOrder);
    }
}
