using System.Globalization;
using Fastsocket.Stack;

namespace Fastsocket.Bench;

/// <summary>
/// What the engine threads of one stack had done by one moment: how long their loops had been idle, and (Linux) how
/// long the kernel had run them and kept them waiting for a CPU. Two snapshots bracket the measured window, so a
/// scaling run shows why a core's rate fell: busy cores doing more work per connection, cores idle waiting for their
/// peers (and how often they went to sleep, each sleep a futex wait and a wake-up the producer pays for), or cores
/// not getting a CPU at all.
/// </summary>
internal readonly record struct EngineActivitySnapshot(long Microseconds, int Threads, long IdleMicroseconds, long Sleeps, long WaitNanoseconds, bool HasWaits)
{
    public static EngineActivitySnapshot Take(FastsocketStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        long idle = 0;
        long sleeps = 0;
        long wait = 0;
        bool hasWaits = true;
        foreach (EngineCore core in stack.Cores)
        {
            idle += core.IdleMicroseconds;
            sleeps += core.Sleeps;
            if (TryReadRunQueueWait(core.NativeThreadId, out long waited))
            {
                wait += waited;
            }
            else
            {
                hasWaits = false;
            }
        }
        // The stack's own clock, the one its engines count idle time on.
        return new EngineActivitySnapshot(stack.Options.Clock.NowMicroseconds, stack.CoreCount, idle, sleeps, wait, hasWaits);
    }

    /// <summary>Share of the engine threads' time between the snapshots that their loops found no work (0 to 1).</summary>
    public static double? IdleShare(EngineActivitySnapshot start, EngineActivitySnapshot end)
    {
        long elapsed = (end.Microseconds - start.Microseconds) * end.Threads;
        return elapsed <= 0 ? null : Math.Round(Math.Clamp((end.IdleMicroseconds - start.IdleMicroseconds) / (double)elapsed, 0, 1), 4);
    }

    /// <summary>
    /// Share of the engine threads' time between the snapshots that they were ready to run but waited for a CPU (0
    /// to 1); null where the kernel does not report it.
    /// </summary>
    public static double? RunQueueWaitShare(EngineActivitySnapshot start, EngineActivitySnapshot end)
    {
        if (!start.HasWaits || !end.HasWaits)
        {
            return null;
        }
        double elapsedNanoseconds = (end.Microseconds - start.Microseconds) * 1000.0 * end.Threads;
        return elapsedNanoseconds <= 0 ? null : Math.Round(Math.Clamp((end.WaitNanoseconds - start.WaitNanoseconds) / elapsedNanoseconds, 0, 1), 4);
    }

    /// <summary>The second field of /proc/self/task/TID/schedstat: nanoseconds the thread spent runnable on a run queue.</summary>
    internal static bool TryReadRunQueueWait(int nativeThreadId, out long nanoseconds)
    {
        nanoseconds = 0;
        if (nativeThreadId <= 0 || !OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            string text = File.ReadAllText($"/proc/self/task/{nativeThreadId}/schedstat");
            return TryParseRunQueueWait(text, out nanoseconds);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Parses "run_ns wait_ns timeslices".</summary>
    internal static bool TryParseRunQueueWait(string schedstat, out long nanoseconds)
    {
        nanoseconds = 0;
        string[] fields = schedstat.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out nanoseconds);
    }
}
