using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

internal static partial class Libc
{
    internal const short POLLIN = 0x1;

    /// <summary>poll(2) on an array of <see cref="PollFd"/>; timeout in milliseconds, 0 to only test readiness.</summary>
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);
}
