using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

internal static partial class Libc
{
    /// <summary>write(2): on a TUN queue, one whole IP packet per call.</summary>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buffer, nuint count);
}
