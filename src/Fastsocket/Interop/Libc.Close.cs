using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

internal static partial class Libc
{
    /// <summary>close(2): the last close of a non-persistent TUN device's queues deletes the device.</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}
