using Fastsocket.Tcp;

namespace Fastsocket.Tests.Tcp;

public class NewRenoCongestionControlTests
{
    private const int Mss = 1000;

    [Theory]
    [InlineData(1460, 14600)]
    [InlineData(1000, 10000)]
    [InlineData(536, 5360)]
    [InlineData(4000, 14600)]
    [InlineData(9000, 18000)]
    public void InitialWindow_PerRfc6928(int mss, int expected)
    {
        var cc = new NewRenoCongestionControl(mss);
        Assert.Equal(expected, cc.InitialWindow);
        Assert.Equal(expected, cc.Cwnd);
        Assert.True(cc.Ssthresh > 1_000_000_000);
        Assert.False(cc.InRecovery);
    }

    [Fact]
    public void SlowStart_GrowsByEverythingTheAckCovers()
    {
        // As Linux's tcp_slow_start: a stretch ACK of two segments grows cwnd by two (RFC 5681's one-SMSS limit is
        // the connection's to apply, under TcpProfile.Rfc).
        var cc = new NewRenoCongestionControl(Mss);
        var una = new SeqNumber(1);
        Assert.Equal(AckResult.None, cc.OnAck(una + Mss, Mss, 10 * Mss, una + 10 * Mss));
        Assert.Equal(11 * Mss, cc.Cwnd);
        Assert.Equal(AckResult.None, cc.OnAck(una + 3 * Mss, 2 * Mss, 9 * Mss, una + 10 * Mss)); // stretch ACK
        Assert.Equal(13 * Mss, cc.Cwnd);
        cc.OnAck(una + 3 * Mss + 100, 100, 7 * Mss, una + 10 * Mss);
        Assert.Equal(13 * Mss + 100, cc.Cwnd);
    }

    [Fact]
    public void SlowStart_StopsAtSsthreshAndCountsTheRestInCongestionAvoidance()
    {
        var cc = new NewRenoCongestionControl(Mss);
        var una = new SeqNumber(5000);
        cc.OnRetransmitTimeout(20 * Mss, una + 20 * Mss); // ssthresh 10 MSS, cwnd 1 MSS
        for (int i = 0; i < 8; i++)
        {
            cc.OnAck(una + Mss, Mss, cc.Cwnd, una + 20 * Mss);
        }
        Assert.Equal(9 * Mss, cc.Cwnd);
        // Four segments in one ACK: one takes cwnd to ssthresh, three count towards the next MSS of avoidance.
        cc.OnAck(una + 4 * Mss, 4 * Mss, cc.Cwnd, una + 20 * Mss);
        Assert.Equal(10 * Mss, cc.Cwnd);
        Assert.False(cc.InSlowStart);
        for (int i = 0; i < 6; i++)
        {
            cc.OnAck(una + Mss, Mss, cc.Cwnd, una + 20 * Mss);
            Assert.Equal(10 * Mss, cc.Cwnd);
        }
        cc.OnAck(una + Mss, Mss, cc.Cwnd, una + 20 * Mss);
        Assert.Equal(11 * Mss, cc.Cwnd);
    }

    [Fact]
    public void CongestionAvoidance_AddsAboutOneMssPerWindow()
    {
        var cc = new NewRenoCongestionControl(Mss);
        var una = new SeqNumber(5000);
        cc.OnRetransmitTimeout(20 * Mss, una + 20 * Mss); // ssthresh 10 MSS, cwnd 1 MSS
        Assert.Equal(10 * Mss, cc.Ssthresh);
        Assert.Equal(Mss, cc.Cwnd);
        for (int i = 0; i < 9; i++)
        {
            cc.OnAck(una + Mss, Mss, cc.Cwnd, una + 20 * Mss);
        }
        Assert.Equal(10 * Mss, cc.Cwnd);
        Assert.False(cc.InSlowStart);
        // A whole window acknowledged in MSS-sized ACKs: exactly one MSS of growth.
        for (int i = 0; i < 9; i++)
        {
            cc.OnAck(una + Mss, Mss, cc.Cwnd, una + 20 * Mss);
            Assert.Equal(10 * Mss, cc.Cwnd);
        }
        cc.OnAck(una + Mss, Mss, cc.Cwnd, una + 20 * Mss);
        Assert.Equal(11 * Mss, cc.Cwnd);
    }

    [Fact]
    public void ThreeDupAcks_EnterFastRecovery_ThenPartialAndFullAcks()
    {
        var cc = new NewRenoCongestionControl(Mss);
        var una = new SeqNumber(uint.MaxValue - 3000); // the episode straddles sequence wrap
        SeqNumber sndMax = una + 20 * Mss;
        int flight = 20 * Mss;

        Assert.Equal(DupAckResult.None, cc.OnDuplicateAck(una, flight, sndMax));
        Assert.Equal(DupAckResult.None, cc.OnDuplicateAck(una, flight, sndMax));
        Assert.Equal(2, cc.DuplicateAcks);
        Assert.Equal(10 * Mss, cc.Cwnd);
        Assert.Equal(DupAckResult.FastRetransmit, cc.OnDuplicateAck(una, flight, sndMax));
        Assert.True(cc.InRecovery);
        Assert.Equal(10 * Mss, cc.Ssthresh);
        Assert.Equal(13 * Mss, cc.Cwnd);
        Assert.Equal(sndMax, cc.Recover);

        // Further duplicates inflate.
        Assert.Equal(DupAckResult.None, cc.OnDuplicateAck(una, flight, sndMax));
        Assert.Equal(14 * Mss, cc.Cwnd);

        // Partial ACK of 3 MSS: deflate by 3 MSS, add one back, retransmit the next hole.
        Assert.Equal(AckResult.RetransmitFirstUnacked, cc.OnAck(una + 3 * Mss, 3 * Mss, flight, sndMax));
        Assert.Equal(12 * Mss, cc.Cwnd);
        Assert.Equal(1, cc.PartialAcks);
        Assert.Equal(0, cc.DuplicateAcks);
        Assert.True(cc.InRecovery);

        // A partial ACK smaller than one MSS gets nothing added back.
        Assert.Equal(AckResult.RetransmitFirstUnacked, cc.OnAck(una + 3 * Mss + 500, 500, flight - 3 * Mss, sndMax));
        Assert.Equal(12 * Mss - 500, cc.Cwnd);
        Assert.Equal(2, cc.PartialAcks);

        // Full ACK: leave recovery with cwnd = min(ssthresh, max(flight after, MSS) + MSS).
        int flightBefore = 20 * Mss - 3 * Mss - 500 + 2 * Mss; // two new segments sent meanwhile
        int acked = sndMax - (una + 3 * Mss + 500);
        Assert.Equal(AckResult.None, cc.OnAck(sndMax, acked, flightBefore, sndMax + 2 * Mss));
        Assert.False(cc.InRecovery);
        Assert.Equal(3 * Mss, cc.Cwnd); // flight after = 2 MSS, +1 MSS, below ssthresh
        Assert.Equal(0, cc.PartialAcks);
    }

    [Fact]
    public void FullAck_CwndCappedAtSsthresh()
    {
        var cc = new NewRenoCongestionControl(Mss);
        var una = new SeqNumber(100);
        SeqNumber sndMax = una + 10 * Mss;
        for (int i = 0; i < 3; i++)
        {
            cc.OnDuplicateAck(una, 10 * Mss, sndMax);
        }
        Assert.Equal(5 * Mss, cc.Ssthresh);
        cc.OnAck(sndMax, 10 * Mss, 40 * Mss, sndMax + 30 * Mss);
        Assert.Equal(5 * Mss, cc.Cwnd);
    }

    [Fact]
    public void DupAcksBelowRecover_DoNotRetriggerAfterTimeout()
    {
        var cc = new NewRenoCongestionControl(Mss);
        var una = new SeqNumber(1);
        SeqNumber sndMax = una + 10 * Mss;
        cc.OnRetransmitTimeout(10 * Mss, sndMax);
        Assert.Equal(sndMax, cc.Recover);
        Assert.Equal(Mss, cc.Cwnd);
        Assert.Equal(5 * Mss, cc.Ssthresh);
        // Go-back-N retransmissions cause duplicates for data below recover: no second reduction.
        SeqNumber midUna = una + 4 * Mss;
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(DupAckResult.None, cc.OnDuplicateAck(midUna, 6 * Mss, sndMax));
        }
        Assert.False(cc.InRecovery);
        Assert.Equal(5 * Mss, cc.Ssthresh);

        // Once the cumulative ACK covers more than recover, a new loss is recognised again.
        cc.OnAck(sndMax + Mss, Mss, 6 * Mss, sndMax + 5 * Mss);
        SeqNumber newUna = sndMax + Mss;
        cc.OnDuplicateAck(newUna, 4 * Mss, sndMax + 5 * Mss);
        cc.OnDuplicateAck(newUna, 4 * Mss, sndMax + 5 * Mss);
        Assert.Equal(DupAckResult.FastRetransmit, cc.OnDuplicateAck(newUna, 4 * Mss, sndMax + 5 * Mss));
        Assert.Equal(2 * Mss, cc.Ssthresh); // max(flight/2, 2 MSS)
    }

    [Fact]
    public void AckEqualToRecover_DoesNotCoverMoreThanRecover()
    {
        var cc = new NewRenoCongestionControl(Mss);
        var una = new SeqNumber(1);
        SeqNumber sndMax = una + 10 * Mss;
        cc.OnRetransmitTimeout(10 * Mss, sndMax);
        cc.OnAck(sndMax, 10 * Mss, 10 * Mss, sndMax);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(DupAckResult.None, cc.OnDuplicateAck(sndMax, 4 * Mss, sndMax + 4 * Mss));
        }
    }

    [Fact]
    public void Timeout_DuringRecovery_LeavesIt()
    {
        var cc = new NewRenoCongestionControl(Mss);
        var una = new SeqNumber(7);
        for (int i = 0; i < 3; i++)
        {
            cc.OnDuplicateAck(una, 30 * Mss, una + 30 * Mss);
        }
        Assert.True(cc.InRecovery);
        cc.OnRetransmitTimeout(30 * Mss, una + 31 * Mss);
        Assert.False(cc.InRecovery);
        Assert.Equal(0, cc.DuplicateAcks);
        Assert.Equal(Mss, cc.Cwnd);
        Assert.Equal(15 * Mss, cc.Ssthresh);
        Assert.Equal(una + 31 * Mss, cc.Recover);
    }

    [Fact]
    public void IdleRestart_ShrinksToInitialWindow()
    {
        var cc = new NewRenoCongestionControl(Mss);
        var una = new SeqNumber(1);
        for (int i = 0; i < 20; i++)
        {
            cc.OnAck(una + Mss, Mss, 10 * Mss, una + 30 * Mss);
        }
        Assert.Equal(30 * Mss, cc.Cwnd);
        cc.OnIdleRestart();
        Assert.Equal(10 * Mss, cc.Cwnd);
        cc.OnRetransmitTimeout(4 * Mss, una);
        cc.OnIdleRestart();
        Assert.Equal(Mss, cc.Cwnd); // min(IW, cwnd)
    }
}
