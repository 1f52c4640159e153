using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

internal static partial class Libc
{
    /// <summary>EFD_NONBLOCK | EFD_CLOEXEC: a doorbell's eventfd is read only after poll(2) says it is readable.</summary>
    internal const int EventFdNonBlockingCloseOnExec = 0x800 | 0x80000;

    /// <summary>eventfd(2): a kernel counter that poll(2) sees readable while it is not zero.</summary>
    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);
}
