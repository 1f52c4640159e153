using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

internal static partial class Libc
{
    /// <summary>gettid(2): the kernel's id of the calling thread, which names it under /proc/self/task.</summary>
    [LibraryImport("libc", EntryPoint = "gettid")]
    internal static partial int GetTid();
}
