using Fastsocket.Tcp;

namespace Fastsocket.Tests.Tcp;

public class RtoEstimatorTests
{
    [Fact]
    public void BeforeAnySample_RtoIsOneSecond()
    {
        var rto = new RtoEstimator();
        Assert.False(rto.HasSample);
        Assert.Equal(1_000_000, rto.CurrentRto);
    }

    [Fact]
    public void FirstSample_SetsSrttAndHalfVariance()
    {
        var rto = new RtoEstimator();
        rto.AddSample(100_000);
        Assert.True(rto.HasSample);
        Assert.Equal(100_000, rto.SmoothedRtt);
        Assert.Equal(50_000, rto.RttVariance);
        Assert.Equal(100_000 + 4 * 50_000, rto.CurrentRto); // 2.2
    }

    [Fact]
    public void LaterSamples_UseAlphaEighthBetaQuarter()
    {
        var rto = new RtoEstimator();
        rto.AddSample(100_000);
        rto.AddSample(200_000);
        // RTTVAR = 3/4*50000 + 1/4*|100000-200000| = 62500; SRTT = 7/8*100000 + 1/8*200000 = 112500.
        Assert.Equal(62_500, rto.RttVariance);
        Assert.Equal(112_500, rto.SmoothedRtt);
        Assert.Equal(112_500 + 250_000, rto.CurrentRto);
        rto.AddSample(112_500);
        // RTTVAR = 3/4*62500 + 0 = 46875; SRTT unchanged.
        Assert.Equal(46_875, rto.RttVariance);
        Assert.Equal(112_500, rto.SmoothedRtt);
        Assert.Equal(112_500 + 187_500, rto.CurrentRto);
    }

    [Fact]
    public void SteadyRtt_ConvergesToSrttPlusGranularityFloor()
    {
        var rto = new RtoEstimator(minRtoMicros: 1);
        for (int i = 0; i < 200; i++)
        {
            rto.AddSample(10_000);
        }
        Assert.Equal(10_000, rto.SmoothedRtt);
        Assert.True(rto.RttVariance < 250);
        Assert.Equal(10_000 + RtoEstimator.GranularityMicros, rto.CurrentRto); // max(G, 4*RTTVAR) = G
    }

    [Fact]
    public void MinRto_FollowsLinuxByDefault_AndIsConfigurable()
    {
        var rto = new RtoEstimator();
        rto.AddSample(1_000);
        Assert.Equal(200_000, rto.CurrentRto);
        rto.MinRto = 1_000_000; // RFC 6298 2.4's value
        Assert.Equal(1_000_000, rto.CurrentRto);
        rto.MinRto = 1;
        Assert.Equal(1_000 + 2 * 1_000, rto.CurrentRto); // SRTT 1000 + 4*500
    }

    [Fact]
    public void Backoff_DoublesUpToMax_AndSampleResetsIt()
    {
        var rto = new RtoEstimator();
        long expected = 1_000_000;
        for (int i = 0; i < 6; i++)
        {
            rto.Backoff();
            expected *= 2;
            Assert.Equal(expected, rto.CurrentRto);
        }
        Assert.Equal(64_000_000, rto.CurrentRto);
        rto.Backoff();
        Assert.Equal(120_000_000, rto.CurrentRto);
        rto.Backoff();
        Assert.Equal(120_000_000, rto.CurrentRto);
        Assert.Equal(8, rto.BackoffCount);

        rto.AddSample(100_000);
        Assert.Equal(0, rto.BackoffCount);
        Assert.Equal(300_000, rto.CurrentRto);
    }

    [Fact]
    public void ResetBackoff_ReturnsToComputedRto()
    {
        var rto = new RtoEstimator();
        rto.AddSample(100_000);
        rto.Backoff();
        rto.Backoff();
        Assert.Equal(1_200_000, rto.CurrentRto);
        rto.ResetBackoff();
        Assert.Equal(300_000, rto.CurrentRto);
    }

    [Fact]
    public void MaxRto_CapsComputedValue()
    {
        var rto = new RtoEstimator(maxRtoMicros: 60_000_000);
        rto.AddSample(50_000_000);
        Assert.Equal(60_000_000, rto.CurrentRto);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtoEstimator(minRtoMicros: 10, maxRtoMicros: 5));
    }
}
