using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

internal static partial class Libc
{
    internal const int O_RDWR = 0x2;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;

    /// <summary>open(2): a raw descriptor, because /dev/net/tun is configured by ioctl on the descriptor itself.</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);
}
