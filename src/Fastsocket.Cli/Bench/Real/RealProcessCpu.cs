using System.Globalization;

namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// CPU time used by a server: utime + stime from /proc/PID/stat of the process and every process below it (nginx's
/// workers), in microseconds. The kernel reports both in clock ticks of USER_HZ, which is 100 on every Linux
/// architecture .NET runs on.
/// </summary>
internal static class RealProcessCpu
{
    private const double MicrosecondsPerTick = 1_000_000.0 / 100;

    /// <summary>The CPU time of <paramref name="pid"/> and its descendants so far, in microseconds; 0 when it is gone.</summary>
    public static double Microseconds(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        var ticks = new Dictionary<int, long>();
        foreach (string folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out int id) ||
                ReadStat(id) is not (int parent, long used))
            {
                continue;
            }
            ticks[id] = used;
            if (!children.TryGetValue(parent, out List<int>? list))
            {
                children[parent] = list = [];
            }
            list.Add(id);
        }

        long total = 0;
        var pending = new Stack<int>();
        pending.Push(pid);
        while (pending.Count > 0)
        {
            int id = pending.Pop();
            total += ticks.GetValueOrDefault(id);
            foreach (int child in children.GetValueOrDefault(id) ?? [])
            {
                pending.Push(child);
            }
        }
        return total * MicrosecondsPerTick;
    }

    /// <summary>The parent pid and utime + stime of <paramref name="pid"/>; null when it cannot be read.</summary>
    internal static (int Parent, long Ticks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        return ParseStat(text);
    }

    /// <summary>
    /// Parses a /proc/PID/stat line. The command name (field 2) is in parentheses and may hold spaces or parentheses
    /// itself, so the fields are counted from the last ')': then state, ppid, ..., utime (field 14), stime (field 15).
    /// </summary>
    internal static (int Parent, long Ticks)? ParseStat(string text)
    {
        int end = text.LastIndexOf(')');
        if (end < 0)
        {
            return null;
        }
        string[] fields = text[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 13 ||
            !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parent) ||
            !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out long utime) ||
            !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out long stime))
        {
            return null;
        }
        return (parent, utime + stime);
    }
}
