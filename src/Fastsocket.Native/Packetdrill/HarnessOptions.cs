using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Native.Packetdrill;

/// <summary>
/// What packetdrill's --so_flags set: space-, comma- or semicolon-separated key=value pairs. This mode has no sysctls,
/// so the knobs a script's defaults.sh would set on Linux come through here.
/// </summary>
/// <remarks>
/// Keys: <c>local_ip</c> (the stack's address; packetdrill's --local_ip, 192.168.0.1 by default), <c>mtu</c> (1500),
/// <c>profile</c> (<c>linux</c> or <c>rfc</c>), <c>rmem</c> and <c>wmem</c> (default buffer sizes in bytes),
/// <c>syn_retries</c>, <c>sack</c>, <c>timestamps</c>, <c>wscale</c> (0 or 1), <c>congestion</c> (<c>cubic</c> or
/// <c>reno</c>), <c>receive_deadline</c> (seconds of virtual time netdev_receive waits for a packet before it gives up,
/// 150 by default), <c>ecn</c> (0, 1 or 2, as Linux's net.ipv4.tcp_ecn), <c>sysctls</c> (1: each socket() applies the
/// TCP sysctls of the network namespace, which win over the same knobs here; see <see cref="NamespaceSysctls"/>),
/// <c>verbose</c> (1: log each call to stderr).
/// </remarks>
internal sealed class HarnessOptions
{
    /// <summary>The stack's address.</summary>
    public IpAddress LocalAddress { get; private set; } = IpAddress.FromIPv4(192, 168, 0, 1);

    /// <summary>The device MTU.</summary>
    public int Mtu { get; private set; } = 1500;

    /// <summary>TCP settings.</summary>
    public TcpConfig Tcp { get; } = new();

    /// <summary>How long netdev_receive advances virtual time waiting for a packet, in microseconds.</summary>
    public long ReceiveDeadlineMicroseconds { get; private set; } = 150_000_000;

    /// <summary>Log calls to stderr.</summary>
    public bool Verbose { get; private set; }

    /// <summary>Follow the TCP sysctls of the network namespace (see <see cref="NamespaceSysctls"/>).</summary>
    public bool FollowSysctls { get; private set; }

    /// <summary>Parses the flags; unknown keys and bad values are reported in <paramref name="errors"/>.</summary>
    public static HarnessOptions Parse(string? flags, List<string> errors)
    {
        var options = new HarnessOptions();
        if (string.IsNullOrWhiteSpace(flags))
        {
            return options;
        }
        // The profile first, so that explicit knobs override what it sets.
        string[] pairs = flags.Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string pair in pairs.OrderBy(p => p.StartsWith("profile=", StringComparison.Ordinal) ? 0 : 1))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? pair : pair[..eq];
            string value = eq < 0 ? "1" : pair[(eq + 1)..];
            if (!options.Apply(key, value))
            {
                errors.Add($"bad --so_flags entry '{pair}'");
            }
        }
        return options;
    }

    private bool Apply(string key, string value)
    {
        switch (key)
        {
            case "local_ip":
                if (!IpAddress.TryParse(value, out IpAddress address) || !address.IsIPv4)
                {
                    return false;
                }
                LocalAddress = address;
                return true;
            case "mtu":
                return int.TryParse(value, out int mtu) && mtu >= 576 && (Mtu = mtu) > 0;
            case "profile":
                if (!TcpProfileExtensions.TryParse(value, out TcpProfile profile))
                {
                    return false;
                }
                profile.ApplyTo(Tcp);
                return true;
            case "rmem":
                return int.TryParse(value, out int rmem) && rmem > 0 && (Tcp.ReceiveBufferSize = rmem) > 0;
            case "wmem":
                return int.TryParse(value, out int wmem) && wmem > 0 && (Tcp.SendBufferSize = wmem) > 0;
            case "syn_retries":
                return int.TryParse(value, out int retries) && retries > 0 && (Tcp.MaxSynRetransmissions = retries) > 0;
            case "sack":
                return TryBool(value, v => Tcp.SackPermitted = v);
            case "timestamps":
                return TryBool(value, v => Tcp.Timestamps = v);
            case "wscale":
                return TryBool(value, v => Tcp.WindowScaling = v);
            case "congestion":
                switch (value)
                {
                    case "cubic":
                        Tcp.CongestionControl = CongestionControlAlgorithm.Cubic;
                        return true;
                    case "reno":
                    case "newreno":
                        Tcp.CongestionControl = CongestionControlAlgorithm.NewReno;
                        return true;
                    default:
                        return false;
                }
            case "receive_deadline":
                if (!double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out double seconds) || seconds <= 0)
                {
                    return false;
                }
                ReceiveDeadlineMicroseconds = (long)(seconds * 1_000_000);
                return true;
            case "verbose":
                return TryBool(value, v => Verbose = v);
            case "sysctls":
                return TryBool(value, v => FollowSysctls = v);
            case "ecn":
                if (value is not ("0" or "1" or "2"))
                {
                    return false;
                }
                Tcp.Ecn = (EcnMode)(value[0] - '0');
                return true;
            default:
                return false;
        }
    }

    private static bool TryBool(string value, Action<bool> set)
    {
        switch (value)
        {
            case "1":
            case "true":
                set(true);
                return true;
            case "0":
            case "false":
                set(false);
                return true;
            default:
                return false;
        }
    }
}
