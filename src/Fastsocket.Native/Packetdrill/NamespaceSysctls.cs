using Fastsocket.Tcp;

namespace Fastsocket.Native.Packetdrill;

/// <summary>
/// The TCP sysctls a packetdrill script may set (net.ipv4.tcp_timestamps, tcp_sack, tcp_window_scaling, tcp_ecn, tcp_min_tso_segs, tcp_slow_start_after_idle) as
/// the script's network namespace holds them. run.sh runs every script in a namespace of its own, where its
/// defaults.sh sets them as Linux's defaults.sh does and a script's own <c>sysctl</c> lines change them; reading them
/// when a socket is created carries both to the stack, which keeps its knobs in <see cref="TcpConfig"/>. A value the
/// namespace holds wins over the same knob given in <c>--so_flags</c>.
/// </summary>
internal static class NamespaceSysctls
{
    private const string Directory = "/proc/sys/net/ipv4/";

    /// <summary>Applies each of the sysctls that can be read to <paramref name="config"/>.</summary>
    public static void ApplyTo(TcpConfig config)
    {
        if (Read("tcp_timestamps") is int timestamps)
        {
            // 1 and 2 both send timestamps (2 without the per-connection offset).
            config.Timestamps = timestamps != 0;
        }
        if (Read("tcp_sack") is int sack)
        {
            config.SackPermitted = sack != 0;
        }
        if (Read("tcp_window_scaling") is int windowScaling)
        {
            config.WindowScaling = windowScaling != 0;
        }
        if (Read("tcp_min_tso_segs") is int minTsoSegments && minTsoSegments > 0)
        {
            config.MinSegmentsPerChunk = minTsoSegments;
        }
        if (Read("tcp_slow_start_after_idle") is int slowStartAfterIdle)
        {
            config.SlowStartAfterIdle = slowStartAfterIdle != 0;
        }
        if (Read("tcp_ecn") is int ecn && ecn is >= 0 and <= 2)
        {
            // 0, 1 and 2 as Linux; its higher values (Accurate ECN) are not implemented and leave the setting alone.
            config.Ecn = (EcnMode)ecn;
        }
    }

    private static int? Read(string name)
    {
        try
        {
            string text = File.ReadAllText(Directory + name).Trim();
            return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value)
                ? value : null;
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
