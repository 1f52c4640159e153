using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

internal static partial class Libc
{
    /// <summary>sched_setaffinity(2) for the calling thread (pid 0): pins an engine thread to its core.</summary>
    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    internal static partial int SchedSetAffinity(int pid, nint cpuSetSize, ref ulong mask);
}
