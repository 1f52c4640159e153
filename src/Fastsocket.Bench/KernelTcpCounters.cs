using System.Globalization;

namespace Fastsocket.Bench;

/// <summary>
/// Reads the kernel's system-wide TCP counters from /proc/net/netstat (Linux). System-wide, so other
/// traffic on the machine shows up too; listen drops on an otherwise quiet machine are the bench's own.
/// </summary>
internal static class KernelTcpCounters
{
    private const string NetstatPath = "/proc/net/netstat";

    /// <summary>TcpExt ListenDrops (SYNs or completed connections dropped at a listener), or null where unreadable.</summary>
    public static long? ReadListenDrops()
    {
        try
        {
            if (!File.Exists(NetstatPath))
            {
                return null;
            }

            // Pairs of lines: "TcpExt: Name1 Name2 ..." then "TcpExt: value1 value2 ...".
            var lines = File.ReadAllLines(NetstatPath);
            for (var i = 0; i + 1 < lines.Length; i++)
            {
                if (!lines[i].StartsWith("TcpExt:", StringComparison.Ordinal) ||
                    !lines[i + 1].StartsWith("TcpExt:", StringComparison.Ordinal))
                {
                    continue;
                }

                var names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var index = Array.IndexOf(names, "ListenDrops");
                if (index > 0 && index < values.Length &&
                    long.TryParse(values[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var drops))
                {
                    return drops;
                }

                return null;
            }

            return null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
