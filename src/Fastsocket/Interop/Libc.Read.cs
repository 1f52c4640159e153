using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

internal static partial class Libc
{
    /// <summary>read(2): on a TUN queue, one whole IP packet per call.</summary>
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nuint count);
}
