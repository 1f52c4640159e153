using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

/// <summary>
/// Pins the calling thread to one CPU, where the OS lets us (Linux); elsewhere it reports that it could not. Engine
/// threads are placed on the CPUs the process was given (taskset, a cpuset), never on CPUs outside them:
/// sched_setaffinity would accept any online CPU, so numbering CPUs from 0 moved a server started with
/// <c>taskset -c 2,3</c> onto CPUs 0 and 1.
/// </summary>
internal static class ThreadAffinity
{
    /// <summary>CPUs a mask can name: 1024, the size of glibc's cpu_set_t.</summary>
    internal const int MaxCpus = 1024;

    /// <summary>
    /// The CPUs the calling thread may run on, in increasing order; where the OS cannot say (not Linux, or the call
    /// failed), 0 to ProcessorCount - 1.
    /// </summary>
    public static int[] AllowedCpus()
    {
        if (OperatingSystem.IsLinux())
        {
            Span<byte> mask = stackalloc byte[MaxCpus / 8];
            if (TryGetAffinity(mask))
            {
                int[] allowed = CpusIn(mask);
                if (allowed.Length > 0)
                {
                    return allowed;
                }
            }
        }
        return Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).ToArray();
    }

    /// <summary>The CPU for engine slot <paramref name="slot"/>: the slot-th allowed CPU, wrapping around.</summary>
    public static int CpuForSlot(IReadOnlyList<int> allowed, int slot)
    {
        ArgumentOutOfRangeException.ThrowIfZero(allowed.Count, nameof(allowed));
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        return allowed[slot % allowed.Count];
    }

    /// <summary>The CPUs whose bits are set in a cpu_set_t (bit k of byte k / 8 is CPU k).</summary>
    public static int[] CpusIn(ReadOnlySpan<byte> mask)
    {
        var cpus = new List<int>();
        for (int cpu = 0; cpu < mask.Length * 8; cpu++)
        {
            if ((mask[cpu / 8] & (1 << (cpu % 8))) != 0)
            {
                cpus.Add(cpu);
            }
        }
        return cpus.ToArray();
    }

    public static bool TryPinCurrentThread(int cpu)
    {
        if (!OperatingSystem.IsLinux() || cpu < 0 || cpu >= MaxCpus)
        {
            return false;
        }
        Span<byte> mask = stackalloc byte[MaxCpus / 8];
        mask.Clear();
        mask[cpu / 8] = (byte)(1 << (cpu % 8));
        unsafe
        {
            return TryCall(&Libc.SchedSetAffinity, mask);
        }
    }

    public static int LastError => Marshal.GetLastPInvokeError();

    private static bool TryGetAffinity(Span<byte> mask)
    {
        mask.Clear();
        unsafe
        {
            return TryCall(&Libc.SchedGetAffinity, mask);
        }
    }

    /// <summary>
    /// sched_setaffinity or sched_getaffinity on the calling thread with <paramref name="mask"/>; false where it failed
    /// or libc lacks it. glibc's wrappers return 0 on success (the system calls themselves return a size for get).
    /// </summary>
    private static unsafe bool TryCall(delegate*<int, nint, byte*, int> affinityCall, Span<byte> mask)
    {
        try
        {
            fixed (byte* bits = mask)
            {
                return affinityCall(0, mask.Length, bits) == 0;
            }
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }
}
