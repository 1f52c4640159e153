namespace Fastsocket.Tcp;

/// <summary>Turns a <see cref="TcpProfile"/> into TCP settings.</summary>
public static class TcpProfileExtensions
{
    /// <summary>RFC 6298 2.4: "if it is less than 1 second, then the RTO SHOULD be rounded up to 1 second".</summary>
    private const long RfcMinRtoMicroseconds = 1_000_000;

    /// <summary>RFC 5681 3.1: slow start grows cwnd by "at most SMSS bytes for each ACK".</summary>
    private const int RfcSlowStartGrowthLimit = 1;

    /// <summary>RFC 9293 3.4.2 takes MSL to be 2 minutes; TIME-WAIT lasts twice that (3.6.1).</summary>
    private const long RfcTimeWaitMicroseconds = 2 * 120_000_000L;

    /// <summary>A new <see cref="TcpConfig"/> with the profile's settings and every other setting at its default.</summary>
    public static TcpConfig CreateConfig(this TcpProfile profile)
    {
        var config = new TcpConfig();
        profile.ApplyTo(config);
        return config;
    }

    /// <summary>Sets the settings that tell the profile apart in <paramref name="config"/>, leaving the others as they are.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="profile"/> is not a defined profile.</exception>
    public static void ApplyTo(this TcpProfile profile, TcpConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var defaults = new TcpConfig();
        switch (profile)
        {
            case TcpProfile.Linux:
                config.MinRtoMicroseconds = defaults.MinRtoMicroseconds;
                config.TimeWaitMicroseconds = defaults.TimeWaitMicroseconds;
                config.CongestionControl = defaults.CongestionControl;
                config.HyStart = defaults.HyStart;
                config.SlowStartGrowthLimit = defaults.SlowStartGrowthLimit;
                config.ZeroWindowProbeSendsData = defaults.ZeroWindowProbeSendsData;
                config.MinRtoBoundsVariance = defaults.MinRtoBoundsVariance;
                config.AcceptResetBeforePeerFin = defaults.AcceptResetBeforePeerFin;
                break;
            case TcpProfile.Rfc:
                config.MinRtoMicroseconds = RfcMinRtoMicroseconds;
                config.TimeWaitMicroseconds = RfcTimeWaitMicroseconds;
                config.CongestionControl = CongestionControlAlgorithm.NewReno;
                config.HyStart = false;
                config.SlowStartGrowthLimit = RfcSlowStartGrowthLimit;
                config.ZeroWindowProbeSendsData = true;
                config.MinRtoBoundsVariance = false;
                config.AcceptResetBeforePeerFin = false;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(profile), profile, "unknown TCP profile");
        }
    }

    /// <summary>Parses a profile name as --so_flags and configuration files write it ("linux" or "rfc", any case).</summary>
    public static bool TryParse(string? name, out TcpProfile profile)
    {
        switch (name?.Trim().ToUpperInvariant())
        {
            case "LINUX":
                profile = TcpProfile.Linux;
                return true;
            case "RFC":
                profile = TcpProfile.Rfc;
                return true;
            default:
                profile = TcpProfile.Linux;
                return false;
        }
    }
}
