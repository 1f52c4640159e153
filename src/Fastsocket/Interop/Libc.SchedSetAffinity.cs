using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

internal static partial class Libc
{
    /// <summary>sched_setaffinity(2) for the calling thread (pid 0): pins an engine thread to its core.</summary>
    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    internal static unsafe partial int SchedSetAffinity(int pid, nint cpuSetSize, ulong* mask);

    /// <summary>sched_getaffinity(2) for the calling thread (pid 0): the CPUs it may run on (taskset, cpusets).</summary>
    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    internal static unsafe partial int SchedGetAffinity(int pid, nint cpuSetSize, ulong* mask);
}
