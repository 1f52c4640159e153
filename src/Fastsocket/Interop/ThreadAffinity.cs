using System.Runtime.InteropServices;

namespace Fastsocket.Interop;

/// <summary>
/// Pins the calling thread to one CPU, where the OS lets us (Linux); elsewhere it reports that it could not. Engine
/// threads are placed on the CPUs the process was given, never on CPUs outside them: under taskset, sched_setaffinity
/// accepts any online CPU, so numbering CPUs from 0 moved a server started with <c>taskset -c 2,3</c> onto CPUs 0 and
/// 1 (inside a cpuset the kernel refuses such a CPU instead, and the engine ran unpinned).
/// </summary>
internal static class ThreadAffinity
{
    /// <summary>glibc's cpu_set_t: 1024 CPUs, in 64-bit words (CPU k is bit k % 64 of word k / 64).</summary>
    internal const int DefaultMaskWords = 1024 / 64;

    /// <summary>The largest mask tried when the kernel has more CPUs than a cpu_set_t holds (it answers EINVAL).</summary>
    private const int MaxMaskWords = 1 << 16;

    /// <summary>
    /// The CPUs the calling thread may run on, in increasing order; where the OS cannot say (not Linux, or the call
    /// failed), 0 to ProcessorCount - 1.
    /// </summary>
    public static int[] AllowedCpus()
    {
        if (OperatingSystem.IsLinux())
        {
            // A kernel built for more CPUs than the mask holds refuses a short one: grow it until the kernel's fits.
            for (int words = DefaultMaskWords; words <= MaxMaskWords; words *= 2)
            {
                var mask = new ulong[words];
                if (TryCall(AffinityCall.Get, mask))
                {
                    int[] allowed = CpusIn(mask);
                    if (allowed.Length > 0)
                    {
                        return allowed;
                    }
                    break;
                }
                if (Marshal.GetLastPInvokeError() != Einval)
                {
                    break;
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

    /// <summary>The CPUs whose bits are set in a cpu_set_t of 64-bit words.</summary>
    public static int[] CpusIn(ReadOnlySpan<ulong> mask)
    {
        var cpus = new List<int>();
        for (int word = 0; word < mask.Length; word++)
        {
            for (int bit = 0; bit < 64; bit++)
            {
                if ((mask[word] & (1UL << bit)) != 0)
                {
                    cpus.Add(word * 64 + bit);
                }
            }
        }
        return cpus.ToArray();
    }

    public static bool TryPinCurrentThread(int cpu)
    {
        if (!OperatingSystem.IsLinux() || cpu < 0 || cpu / 64 >= MaxMaskWords)
        {
            return false;
        }
        var mask = new ulong[Math.Max(DefaultMaskWords, cpu / 64 + 1)];
        mask[cpu / 64] = 1UL << (cpu % 64);
        return TryCall(AffinityCall.Set, mask);
    }

    public static int LastError => Marshal.GetLastPInvokeError();

    private const int Einval = 22;

    private enum AffinityCall
    {
        Get,
        Set,
    }

    /// <summary>
    /// sched_getaffinity or sched_setaffinity on the calling thread with <paramref name="mask"/>; false where it failed
    /// (the error stays in <see cref="LastError"/>) or libc lacks it. glibc's wrappers return 0 on success.
    /// </summary>
    private static unsafe bool TryCall(AffinityCall call, ulong[] mask)
    {
        try
        {
            fixed (ulong* words = mask)
            {
                nint size = mask.Length * sizeof(ulong);
                return (call == AffinityCall.Get ? Libc.SchedGetAffinity(0, size, words) : Libc.SchedSetAffinity(0, size, words)) == 0;
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
