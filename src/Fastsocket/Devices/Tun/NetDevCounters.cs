using System.Globalization;

namespace Fastsocket.Devices.Tun;

/// <summary>
/// One interface's drop counters from the kernel's <c>/proc/self/net/dev</c>, as the kernel reports them for the
/// caller's network namespace (sysfs would show the namespace that mounted it, which need not be ours).
/// </summary>
/// <param name="ReceiveDropped">The "drop" column under Receive: packets written into the device that the kernel dropped (for TUN: packets from the stack).</param>
/// <param name="TransmitDropped">The "drop" column under Transmit: packets the kernel did not hand to the device (for TUN: its queue toward the stack was full).</param>
internal readonly record struct NetDevCounters(long ReceiveDropped, long TransmitDropped)
{
    private const string ProcPath = "/proc/self/net/dev";

    // Columns after "name:": receive bytes, packets, errs, drop, fifo, frame, compressed, multicast, then transmit
    // bytes, packets, errs, drop, ...
    private const int ReceiveDropColumn = 3;
    private const int TransmitDropColumn = 11;

    /// <summary>Reads <paramref name="interfaceName"/>'s counters; null when the file or the interface is not there.</summary>
    public static NetDevCounters? Read(string interfaceName)
    {
        string text;
        try
        {
            text = File.ReadAllText(ProcPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return Parse(text, interfaceName);
    }

    /// <summary>Finds <paramref name="interfaceName"/>'s line in text laid out as <c>/proc/net/dev</c>; null when it is missing or malformed.</summary>
    public static NetDevCounters? Parse(string text, string interfaceName)
    {
        foreach (string line in text.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || line.AsSpan(0, colon).Trim().SequenceEqual(interfaceName) is false)
            {
                continue;
            }
            string[] columns = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length <= TransmitDropColumn ||
                !long.TryParse(columns[ReceiveDropColumn], NumberStyles.None, CultureInfo.InvariantCulture, out long received) ||
                !long.TryParse(columns[TransmitDropColumn], NumberStyles.None, CultureInfo.InvariantCulture, out long transmitted))
            {
                return null;
            }
            return new NetDevCounters(received, transmitted);
        }
        return null;
    }
}
