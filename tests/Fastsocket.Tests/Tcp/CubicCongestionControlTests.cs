using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Tests.Tcp.Behaviour;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp;

/// <summary>
/// CUBIC (RFC 9438) and its HyStart++ slow-start exit (RFC 9406), driven ACK by ACK on virtual time: every
/// "now" and RTT is an argument, so the windows are exact functions of the inputs.
/// </summary>
public class CubicCongestionControlTests
{
    private const int Mss = 1000;
    private const long Second = 1_000_000;

    /// <summary>A controller and the sequence space it sees: SND.UNA, SND.MAX, and the virtual clock.</summary>
    private sealed class Flow
    {
        public Flow(bool hyStart = false)
        {
            Cc = new CubicCongestionControl(Mss, hyStart);
            Una = new SeqNumber(1);
            Max = Una + Cc.Cwnd;
        }

        public CubicCongestionControl Cc { get; }

        public SeqNumber Una { get; set; }

        public SeqNumber Max { get; set; }

        public long Now { get; set; } = 10 * Second;

        /// <summary>SND.MAX as the last ACK saw it: where HyStart++ put the end of the round that ACK began.</summary>
        public SeqNumber? LastHighestSent { get; private set; }

        public int Acks { get; private set; }

        public double CwndSegments => (double)Cc.Cwnd / Mss;

        /// <summary>One ACK of one segment, after which the sender fills the window again.</summary>
        public void Ack(long rtt)
        {
            int flight = Max - Una;
            Una += Mss;
            LastHighestSent = Max;
            Acks++;
            Assert.Equal(AckResult.None, Cc.OnAck(Una, Mss, flight, Max, Now, rtt, rtt));
            Fill();
        }

        public void Fill()
        {
            if (Max - Una < Cc.Cwnd)
            {
                Max = Una + Cc.Cwnd;
            }
        }

        /// <summary>
        /// One round of HyStart++, segment by segment: up to the SND.MAX that the ACK ending the previous round
        /// saw (the data sent before it), or everything outstanding for the first round.
        /// </summary>
        public void Round(long rtt)
        {
            SeqNumber end = LastHighestSent ?? Max;
            while (Una < end)
            {
                Ack(rtt);
            }
        }

        /// <summary>Slow start (HyStart++ off) until cwnd is <paramref name="segments"/> with as much in flight.</summary>
        public void GrowTo(int segments)
        {
            while (Cc.Cwnd < segments * Mss)
            {
                Ack(0);
            }
            Assert.Equal(segments * Mss, Cc.Cwnd);
            Max = Una + Cc.Cwnd;
        }

        /// <summary>Three duplicate ACKs of SND.UNA with a full window in flight, then the full ACK ending recovery.</summary>
        public void LoseOneAndRecover()
        {
            int flight = Max - Una;
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(DupAckResult.None, Cc.OnDuplicateAck(Una, flight, Max));
            }
            Assert.Equal(DupAckResult.FastRetransmit, Cc.OnDuplicateAck(Una, flight, Max));
            Assert.True(Cc.InRecovery);
            SeqNumber recover = Max;
            // Every other segment of the window arrives and is duplicate-ACKed; the inflated window lets new
            // data out meanwhile (RFC 5681 3.2 step 4).
            for (int i = 3; i < flight / Mss - 1; i++)
            {
                Assert.Equal(DupAckResult.None, Cc.OnDuplicateAck(Una, Max - Una, Max));
                Fill();
            }
            // The retransmission repaired the hole: the full ACK covers everything sent before the loss.
            Assert.Equal(AckResult.None, Cc.OnAck(recover, recover - Una, Max - Una, Max, Now, 0, 0));
            Assert.False(Cc.InRecovery);
            Una = recover;
            Fill();
        }

        /// <summary>
        /// ACK clocking in congestion avoidance: a window of ACKs per RTT, spread evenly over it, until
        /// <paramref name="until"/> (microseconds since the epoch's first ACK at <paramref name="epochStart"/>).
        /// </summary>
        public void AvoidUntil(long epochStart, long until, long rtt)
        {
            while (Now - epochStart < until)
            {
                Ack(rtt);
                Now += Math.Max(rtt * Mss / Cc.Cwnd, 1);
            }
        }
    }

    [Fact]
    public void Constants_AreTheRfcs()
    {
        Assert.Equal(0.4, CubicCongestionControl.C);
        Assert.Equal(0.7, CubicCongestionControl.Beta);
        // alpha_cubic = 3 (1 - 0.7) / (1 + 0.7) = 0.9 / 1.7
        Assert.Equal(0.9 / 1.7, CubicCongestionControl.RenoFriendlyAlpha, 12);
    }

    [Theory]
    [InlineData(100.0, 70.0, 4.217163326508746)]   // cbrt(30 / 0.4) = cbrt(75)
    [InlineData(10.0, 7.0, 1.9574338205844317)]    // cbrt(7.5)
    [InlineData(1000.0, 700.0, 9.085602964160698)] // cbrt(750)
    [InlineData(50.0, 50.0, 0.0)]                  // the epoch starts at W_max
    [InlineData(50.0, 60.0, 0.0)]                  // or above it
    public void K_IsTheCubeRootOfTheDistanceOverC(double wMax, double cwndEpoch, double expected)
    {
        Assert.Equal(expected, CubicCongestionControl.ComputeK(wMax, cwndEpoch), 9);
    }

    [Fact]
    public void FastRetransmit_CutsToBetaAndRemembersWMax()
    {
        var flow = new Flow();
        flow.GrowTo(100);
        int flight = flow.Max - flow.Una;
        flow.Cc.OnDuplicateAck(flow.Una, flight, flow.Max);
        flow.Cc.OnDuplicateAck(flow.Una, flight, flow.Max);
        Assert.Equal(DupAckResult.FastRetransmit, flow.Cc.OnDuplicateAck(flow.Una, flight, flow.Max));
        Assert.Equal(70 * Mss, flow.Cc.Ssthresh);                // beta_cubic * FlightSize
        Assert.Equal(70 * Mss + 3 * Mss, flow.Cc.Cwnd);           // RFC 5681 3.2 step 3 inflation
        Assert.Equal(100.0, flow.Cc.WMax);
        // Further duplicates inflate by one segment each, as NewReno.
        Assert.Equal(DupAckResult.None, flow.Cc.OnDuplicateAck(flow.Una, flight, flow.Max));
        Assert.Equal(74 * Mss, flow.Cc.Cwnd);
    }

    [Fact]
    public void PartialAck_DeflatesAndAsksForTheNextHole_FullAckEndsAtSsthresh()
    {
        var flow = new Flow();
        flow.GrowTo(100);
        int flight = flow.Max - flow.Una;
        for (int i = 0; i < 3; i++)
        {
            flow.Cc.OnDuplicateAck(flow.Una, flight, flow.Max);
        }
        Assert.Equal(AckResult.RetransmitFirstUnacked, flow.Cc.OnAck(flow.Una + 10 * Mss, 10 * Mss, flight, flow.Max));
        Assert.Equal(73 * Mss - 10 * Mss + Mss, flow.Cc.Cwnd);
        Assert.Equal(1, flow.Cc.PartialAcks);
        Assert.True(flow.Cc.InRecovery);
        Assert.Equal(AckResult.None, flow.Cc.OnAck(flow.Max, 90 * Mss, flight - 10 * Mss, flow.Max));
        Assert.False(flow.Cc.InRecovery);
        Assert.Equal(2 * Mss, flow.Cc.Cwnd); // min(ssthresh, max(FlightSize, SMSS) + SMSS) with nothing left in flight
    }

    [Fact]
    public void Window_FollowsTheCubicCurveAtZeroHalfKKAndTwoK()
    {
        const long rtt = 100_000; // 100 ms: W_cubic stays above W_est throughout
        var flow = new Flow();
        flow.GrowTo(100);
        flow.LoseOneAndRecover();
        Assert.Equal(70 * Mss, flow.Cc.Cwnd);
        Assert.False(flow.Cc.EpochStarted);

        long epochStart = flow.Now;
        flow.Ack(rtt);
        Assert.True(flow.Cc.EpochStarted);
        double k = flow.Cc.K;
        Assert.Equal(Math.Cbrt(100 * (1 - 0.7) / 0.4), k, 9);
        // t = 0: W_cubic(0) = W_max - C K^3 = beta W_max.
        Assert.InRange(flow.CwndSegments, 70.0, 70.5);

        foreach (double fraction in new[] { 0.5, 1.0, 2.0 })
        {
            long t = (long)(fraction * k * Second);
            flow.AvoidUntil(epochStart, t, rtt);
            double expected = CubicCongestionControl.WCubic((flow.Now - epochStart) / (double)Second, k, 100.0);
            // Within a segment: growth per ACK aims one RTT ahead, and whole bytes only reach cwnd.
            Assert.InRange(flow.CwndSegments, expected - 1.0, expected + 1.0);
            Assert.True(flow.Cc.WEst < expected, $"Reno-friendly estimate {flow.Cc.WEst} should stay below W_cubic {expected} at 100 ms RTT");
        }
        // At 2K the window is past W_max on the convex side: W_max + C K^3 = 130 segments.
        Assert.InRange(flow.CwndSegments, 129.0, 131.5);
    }

    [Fact]
    public void GrowthPerAck_IsClampedToHalfTheWindowPerRtt()
    {
        // Long after the epoch began W_cubic(t + RTT) is far above cwnd; the target is then 1.5 cwnd, so one
        // window of ACKs grows cwnd by at most half of itself.
        var flow = new Flow();
        flow.GrowTo(100);
        flow.LoseOneAndRecover();
        long epochStart = flow.Now;
        flow.Ack(100_000);
        flow.Now = epochStart + 60 * Second; // W_cubic(60 s) is in the tens of thousands of segments
        int before = flow.Cc.Cwnd;
        int acks = before / Mss;
        for (int i = 0; i < acks; i++)
        {
            flow.Ack(100_000);
        }
        Assert.True(flow.Cc.Cwnd > before);
        Assert.True(flow.Cc.Cwnd <= before + before / 2 + Mss, $"cwnd {flow.Cc.Cwnd} grew more than 1.5x from {before} in one window");
    }

    [Fact]
    public void RenoFriendlyRegion_DominatesAtSmallWindowAndShortRtt()
    {
        const long rtt = 1_000; // 1 ms: Reno's per-RTT growth outruns the cubic curve
        var flow = new Flow();
        flow.GrowTo(10);
        flow.LoseOneAndRecover();
        Assert.Equal(7 * Mss, flow.Cc.Cwnd);
        long epochStart = flow.Now;
        flow.AvoidUntil(epochStart, 200_000, rtt);

        double t = (flow.Now - epochStart) / (double)Second;
        double cubic = CubicCongestionControl.WCubic(t, flow.Cc.K, flow.Cc.WMax);
        Assert.True(cubic < 9.0, $"W_cubic({t}) = {cubic}");
        // 200 RTTs of Reno-like growth (alpha_cubic up to cwnd_prior = 10, then 1) put cwnd far above the curve.
        Assert.True(flow.CwndSegments > cubic + 20, $"cwnd {flow.CwndSegments} vs W_cubic {cubic}");
        Assert.InRange(flow.CwndSegments, flow.Cc.WEst - 1.0, flow.Cc.WEst + 0.01);
    }

    [Fact]
    public void FastConvergence_LowersWMaxWhenLossComesBelowTheLastOne()
    {
        var flow = new Flow();
        flow.GrowTo(100);
        flow.LoseOneAndRecover();
        Assert.Equal(100.0, flow.Cc.WMax);

        // A second loss at about 70 segments, below W_max = 100: W_max = cwnd (1 + beta) / 2.
        flow.Ack(100_000);
        double cwnd = flow.CwndSegments;
        flow.LoseOneAndRecover();
        Assert.Equal(cwnd * (1 + 0.7) / 2, flow.Cc.WMax, 9);
        Assert.True(flow.Cc.WMax < cwnd);
    }

    [Fact]
    public void LossAboveWMax_SetsWMaxToTheWindow()
    {
        var flow = new Flow();
        flow.GrowTo(20);
        flow.LoseOneAndRecover();
        Assert.Equal(20.0, flow.Cc.WMax);
        long epochStart = flow.Now;
        flow.AvoidUntil(epochStart, 30 * Second, 100_000);
        double cwnd = flow.CwndSegments;
        Assert.True(cwnd > 20.0);
        flow.LoseOneAndRecover();
        Assert.Equal(cwnd, flow.Cc.WMax, 9);
    }

    [Fact]
    public void Timeout_CutsSsthreshByBetaAndRestartsTheCurveFromTheWindowAtItsEnd()
    {
        var flow = new Flow();
        flow.GrowTo(100);
        flow.LoseOneAndRecover();
        flow.Ack(100_000);
        Assert.True(flow.Cc.EpochStarted);

        // As Linux's tcp_enter_loss: beta of cwnd (717/1024, whole segments), not of the flight.
        int cwnd = flow.Cc.Cwnd;
        int flight = flow.Max - flow.Una;
        flow.Cc.OnRetransmitTimeout(flight, flow.Max);
        Assert.Equal(Mss, flow.Cc.Cwnd);
        Assert.Equal((int)((long)cwnd * 717 / 1024 / Mss) * Mss, flow.Cc.Ssthresh);
        Assert.Equal(0.0, flow.Cc.WMax);
        Assert.False(flow.Cc.EpochStarted);
        Assert.False(flow.Cc.InRecovery);
        Assert.True(flow.Cc.InLossRecovery);

        // Slow start back to ssthresh (a whole number of segments, reached exactly), then the first avoidance ACK
        // starts an epoch with W_max = cwnd, K = 0 (RFC 9438 section 4.8), and W_est from that window.
        while (flow.Cc.InSlowStart)
        {
            flow.Ack(100_000);
        }
        Assert.False(flow.Cc.EpochStarted);
        double atStart = flow.CwndSegments;
        flow.Ack(100_000);
        Assert.True(flow.Cc.EpochStarted);
        Assert.Equal(atStart, flow.Cc.WMax, 9);
        Assert.Equal(0.0, flow.Cc.K);
    }

    [Fact]
    public void Timeout_CutsSsthreshOncePerEpisode()
    {
        var flow = new Flow();
        flow.GrowTo(40);
        int flight = flow.Max - flow.Una;
        flow.Cc.OnRetransmitTimeout(flight, flow.Max);
        int ssthresh = flow.Cc.Ssthresh;
        Assert.Equal(28 * Mss, ssthresh);

        // A second timeout with nothing acknowledged since: ssthresh stays (a cut from cwnd = 1 would floor it).
        flow.Cc.OnRetransmitTimeout(flight, flow.Max);
        Assert.Equal(ssthresh, flow.Cc.Ssthresh);
        Assert.Equal(Mss, flow.Cc.Cwnd);

        // After an ACK of new data a further timeout is a new episode: beta of the cwnd then.
        flow.Ack(0);
        Assert.Equal(2 * Mss, flow.Cc.Cwnd);
        flow.Cc.OnRetransmitTimeout(flow.Max - flow.Una, flow.Max);
        Assert.Equal(2 * Mss, flow.Cc.Ssthresh);

        // A timeout during fast recovery keeps the recovery's ssthresh.
        var recovering = new Flow();
        recovering.GrowTo(40);
        recovering.Cc.OnLossDetected(recovering.Max - recovering.Una, recovering.Max);
        int recoverySsthresh = recovering.Cc.Ssthresh;
        recovering.Cc.OnRetransmitTimeout(recovering.Max - recovering.Una, recovering.Max);
        Assert.Equal(recoverySsthresh, recovering.Cc.Ssthresh);
        Assert.Equal(Mss, recovering.Cc.Cwnd);
    }

    [Fact]
    public void Reset_ReturnsToANewConnection()
    {
        var flow = new Flow();
        flow.GrowTo(40);
        flow.LoseOneAndRecover();
        flow.Cc.Reset(1460);
        Assert.Equal(14600, flow.Cc.Cwnd);
        Assert.True(flow.Cc.Ssthresh > 1_000_000_000);
        Assert.Equal(0.0, flow.Cc.WMax);
        Assert.False(flow.Cc.EpochStarted);
        Assert.False(flow.Cc.InRecovery);
    }

    [Fact]
    public void DuplicatesOfTheSameEpisode_DoNotCutTwice()
    {
        var flow = new Flow();
        flow.GrowTo(40);
        int flight = flow.Max - flow.Una;
        for (int i = 0; i < 3; i++)
        {
            flow.Cc.OnDuplicateAck(flow.Una, flight, flow.Max);
        }
        SeqNumber recover = flow.Max;
        flow.Cc.OnRetransmitTimeout(flight, flow.Max);
        int ssthresh = flow.Cc.Ssthresh;
        // Duplicates of a point at or below recover echo the go-back-N resends (RFC 6582 3.2 step 2).
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(DupAckResult.None, flow.Cc.OnDuplicateAck(recover, flight, flow.Max));
        }
        Assert.Equal(ssthresh, flow.Cc.Ssthresh);
    }

    // HyStart++ (RFC 9406).

    [Fact]
    public void HyStart_ExitsToCssWhenTheRoundMinimumRttRisesByTheThreshold()
    {
        var flow = new Flow(hyStart: true);
        Assert.Equal(HyStartPhase.SlowStart, flow.Cc.HyStartPhase);
        flow.Round(10_000);
        flow.Round(10_000);
        Assert.Equal(HyStartPhase.SlowStart, flow.Cc.HyStartPhase);
        Assert.True(flow.Cc.InSlowStart);

        // 10 ms baseline: the threshold is max(4 ms, min(10 ms / 8, 16 ms)) = 4 ms. 14 ms is exactly enough,
        // and the exit comes at the eighth sample of the round.
        for (int i = 0; i < HyStartPlusPlus.RttSamplesPerRound - 1; i++)
        {
            flow.Ack(14_000);
            Assert.Equal(HyStartPhase.SlowStart, flow.Cc.HyStartPhase);
        }
        int before = flow.Cc.Cwnd;
        flow.Ack(14_000);
        Assert.Equal(HyStartPhase.ConservativeSlowStart, flow.Cc.HyStartPhase);
        Assert.Equal(14_000, flow.Cc.HyStartCssBaselineMinRtt);
        Assert.Equal(before + Mss / HyStartPlusPlus.CssGrowthDivisor, flow.Cc.Cwnd);
        Assert.True(flow.Cc.InSlowStart); // CSS is still slow start: ssthresh is untouched

        before = flow.Cc.Cwnd;
        flow.Ack(14_000);
        Assert.Equal(before + Mss / 4, flow.Cc.Cwnd);
    }

    [Fact]
    public void HyStart_StaysInSlowStartWhenTheRiseIsBelowTheThreshold()
    {
        var flow = new Flow(hyStart: true);
        flow.Round(10_000);
        for (int round = 0; round < 4; round++)
        {
            flow.Round(13_900); // 3.9 ms above the last round's minimum: below MIN_RTT_THRESH
            Assert.Equal(HyStartPhase.SlowStart, flow.Cc.HyStartPhase);
            flow.Round(10_000);
        }
        Assert.Equal(HyStartPhase.SlowStart, flow.Cc.HyStartPhase);
    }

    [Fact]
    public void HyStart_ThresholdScalesWithTheRttUpToSixteenMilliseconds()
    {
        // 80 ms baseline: threshold min(80 / 8, 16) = 10 ms. A 9.9 ms rise does not exit; a 10 ms rise does.
        Assert.Equal(HyStartPhase.SlowStart, AfterTwoRounds(80_000, 89_900));
        Assert.Equal(HyStartPhase.ConservativeSlowStart, AfterTwoRounds(80_000, 90_000));
        // 200 ms baseline: 200 / 8 = 25 ms, capped at 16 ms.
        Assert.Equal(HyStartPhase.SlowStart, AfterTwoRounds(200_000, 215_900));
        Assert.Equal(HyStartPhase.ConservativeSlowStart, AfterTwoRounds(200_000, 216_000));
        // 2 ms baseline: 2 / 8 = 0.25 ms, raised to 4 ms.
        Assert.Equal(HyStartPhase.SlowStart, AfterTwoRounds(2_000, 5_900));
        Assert.Equal(HyStartPhase.ConservativeSlowStart, AfterTwoRounds(2_000, 6_000));

        static HyStartPhase AfterTwoRounds(long first, long second)
        {
            var flow = new Flow(hyStart: true);
            flow.Round(first);
            flow.Round(second);
            return flow.Cc.HyStartPhase;
        }
    }

    [Fact]
    public void HyStart_ReturnsToSlowStartWhenTheRttFallsBelowTheCssBaseline()
    {
        var flow = new Flow(hyStart: true);
        flow.Round(10_000);
        flow.Round(10_000);
        flow.Round(15_000);
        Assert.Equal(HyStartPhase.ConservativeSlowStart, flow.Cc.HyStartPhase);

        // The next round's minimum is below the 15 ms baseline: the exit was spurious.
        for (int i = 0; i < HyStartPlusPlus.RttSamplesPerRound; i++)
        {
            flow.Ack(12_000);
        }
        Assert.Equal(HyStartPhase.SlowStart, flow.Cc.HyStartPhase);
        int before = flow.Cc.Cwnd;
        flow.Ack(12_000);
        Assert.Equal(before + Mss, flow.Cc.Cwnd);
    }

    [Fact]
    public void HyStart_EntersCongestionAvoidanceAfterCssRounds()
    {
        var flow = new Flow(hyStart: true);
        flow.Round(10_000);
        flow.Round(10_000);
        flow.Round(15_000); // enters CSS in this round, which is CSS round 1
        Assert.Equal(HyStartPhase.ConservativeSlowStart, flow.Cc.HyStartPhase);
        for (int round = 2; round < HyStartPlusPlus.CssRounds; round++)
        {
            flow.Round(15_000);
            Assert.Equal(HyStartPhase.ConservativeSlowStart, flow.Cc.HyStartPhase);
            Assert.True(flow.Cc.InSlowStart);
        }
        flow.Round(15_000);
        Assert.Equal(HyStartPhase.Off, flow.Cc.HyStartPhase);
        Assert.False(flow.Cc.InSlowStart);
        Assert.Equal(flow.Cc.Cwnd, flow.Cc.Ssthresh);
    }

    [Fact]
    public void HyStart_Off_SlowStartOnlyEndsOnLoss()
    {
        var flow = new Flow(hyStart: false);
        Assert.Equal(HyStartPhase.Off, flow.Cc.HyStartPhase);
        flow.Round(10_000);
        flow.Round(10_000);
        flow.Round(50_000);
        flow.Round(90_000);
        Assert.True(flow.Cc.InSlowStart);
        Assert.Equal((10 + flow.Acks) * Mss, flow.Cc.Cwnd); // one segment per ACK throughout
    }

    [Fact]
    public void HyStart_OnlyRunsInTheFirstSlowStart()
    {
        var flow = new Flow(hyStart: true);
        flow.Round(10_000);
        flow.LoseOneAndRecover();
        Assert.Equal(HyStartPhase.Off, flow.Cc.HyStartPhase);
    }

    [Fact]
    public void NoAllocationPerAck()
    {
        var cc = new CubicCongestionControl(Mss, hyStart: true);
        var una = new SeqNumber(1);
        long now = Second;
        cc.OnAck(una, 0, 0, una + cc.Cwnd, now, 10_000, 10_000); // JIT and first-call work outside the count
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            una += Mss;
            cc.OnAck(una, Mss, cc.Cwnd, una + cc.Cwnd, now, 10_000 + i, 10_000);
            now += 100;
        }
        for (int i = 0; i < 3; i++)
        {
            cc.OnDuplicateAck(una, cc.Cwnd, una + cc.Cwnd);
        }
        cc.OnAck(una + cc.Cwnd, cc.Cwnd, cc.Cwnd, una + cc.Cwnd, now, 10_000, 10_000);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    // Selection on a connection (the TCP_CONGESTION-like knob) and the stack default.

    private const uint PeerIss = 1000;
    private const int WireMss = 1460;

    private static Segment PeerAck(uint ack) => new() { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = ack, Window = 65535 };

    /// <summary>Twenty segments in flight after slow start from IW 10, then three duplicate ACKs: cwnd after the cut.</summary>
    private static int CwndAfterFastRetransmit(TcpTestBench bench, Action<TcpConnection>? beforeData = null)
    {
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        beforeData?.Invoke(connection);
        bench.WriteAndFlush(connection, Peer.Data(30 * WireMss));
        Assert.Equal(10, bench.Drain().Count);
        uint start = iss + 1;
        for (int i = 1; i <= 10; i++)
        {
            bench.Inject(PeerAck(start + (uint)(i * WireMss)));
        }
        Assert.Equal(20, bench.Drain().Count);
        Assert.Equal(20 * WireMss, connection.CongestionWindow);
        uint una = start + 10 * WireMss;
        for (int i = 0; i < 3; i++)
        {
            bench.Inject(PeerAck(una));
        }
        Assert.Equal(1, bench.Engine.Statistics.FastRetransmits);
        return connection.CongestionWindow;
    }

    [Fact]
    public void Connection_UsesCubicByDefault_AsLinux()
    {
        Assert.Equal(CongestionControlAlgorithm.Cubic, new TcpConfig().CongestionControl);
        var bench = new TcpTestBench(BenchDesign.Standalone);
        (TcpConnection connection, _) = bench.PassiveEstablished(PeerIss);
        Assert.Equal(CongestionControlAlgorithm.Cubic, connection.CongestionControl);
    }

    [Fact]
    public void Connection_Cubic_CutsTo70PercentOfTheFlight()
    {
        // ssthresh = 0.7 * 20 segments, cwnd = ssthresh + 3 SMSS.
        Assert.Equal(14 * WireMss + 3 * WireMss, CwndAfterFastRetransmit(new TcpTestBench(BenchDesign.Standalone)));
    }

    [Fact]
    public void Connection_NewRenoFromTheStackConfig_Halves()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { CongestionControl = CongestionControlAlgorithm.NewReno });
        Assert.Equal(10 * WireMss + 3 * WireMss, CwndAfterFastRetransmit(bench));
    }

    [Fact]
    public void Connection_PerConnectionChoiceOverridesTheStack()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone);
        int cwnd = CwndAfterFastRetransmit(bench, c =>
        {
            c.CongestionControl = CongestionControlAlgorithm.NewReno;
            Assert.Equal(CongestionControlAlgorithm.NewReno, c.CongestionControl);
        });
        Assert.Equal(10 * WireMss + 3 * WireMss, cwnd);

        var back = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { CongestionControl = CongestionControlAlgorithm.NewReno });
        Assert.Equal(14 * WireMss + 3 * WireMss, CwndAfterFastRetransmit(back, c => c.CongestionControl = CongestionControlAlgorithm.Cubic));
    }
}
