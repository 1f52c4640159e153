using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

internal static partial class Libc
{
    /// <summary>ioctl(2) with a pointer argument (TUNSETIFF takes a struct ifreq).</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(int fd, nuint request, void* argument);
}
