using Fastsocket.Tcp;

namespace Fastsocket.Tests.Packetdrill;

public sealed class TcpProfileTests
{
    [Fact]
    public void Linux_profile_is_the_default_configuration()
    {
        TcpConfig linux = TcpProfile.Linux.CreateConfig();
        var defaults = new TcpConfig();
        Assert.Equal(defaults.MinRtoMicroseconds, linux.MinRtoMicroseconds);
        Assert.Equal(200_000, linux.MinRtoMicroseconds);
        Assert.Equal(defaults.TimeWaitMicroseconds, linux.TimeWaitMicroseconds);
        Assert.Equal(CongestionControlAlgorithm.Cubic, linux.CongestionControl);
        Assert.True(linux.HyStart);
    }

    [Fact]
    public void Rfc_profile_takes_the_rfcs_recommendations()
    {
        TcpConfig rfc = TcpProfile.Rfc.CreateConfig();
        Assert.Equal(1_000_000, rfc.MinRtoMicroseconds);        // RFC 6298 2.4
        Assert.Equal(240_000_000, rfc.TimeWaitMicroseconds);    // 2 MSL, MSL = 2 min (RFC 9293)
        Assert.Equal(CongestionControlAlgorithm.NewReno, rfc.CongestionControl);
        Assert.False(rfc.HyStart);
    }

    [Fact]
    public void Applying_a_profile_keeps_unrelated_settings()
    {
        var config = new TcpConfig { SendBufferSize = 12345, MinRtoMicroseconds = 5 };
        TcpProfile.Rfc.ApplyTo(config);
        Assert.Equal(12345, config.SendBufferSize);
        Assert.Equal(1_000_000, config.MinRtoMicroseconds);
        TcpProfile.Linux.ApplyTo(config);
        Assert.Equal(200_000, config.MinRtoMicroseconds);
        Assert.Equal(CongestionControlAlgorithm.Cubic, config.CongestionControl);
    }

    [Theory]
    [InlineData("linux", TcpProfile.Linux)]
    [InlineData("RFC", TcpProfile.Rfc)]
    [InlineData(" rfc ", TcpProfile.Rfc)]
    public void Parses_profile_names(string text, TcpProfile expected)
    {
        Assert.True(TcpProfileExtensions.TryParse(text, out TcpProfile profile));
        Assert.Equal(expected, profile);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bsd")]
    public void Refuses_unknown_profile_names(string? text) => Assert.False(TcpProfileExtensions.TryParse(text, out _));

    [Fact]
    public void Undefined_profile_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ((TcpProfile)7).ApplyTo(new TcpConfig()));
}
