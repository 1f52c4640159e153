using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// Loss recovery on a SACK connection, packet by packet on the virtual clock: RACK's time-based loss marking and its
/// reordering window (RFC 8985 6), the tail loss probe at two SRTTs (RFC 8985 7), Proportional Rate Reduction's
/// sending rate (RFC 6937), and the undo of a spurious timeout by DSACK (RFC 2883, RFC 3522's idea).
/// </summary>
public class RackTlpTests
{
    private const int Mss = 1460;
    private const uint PeerIss = 1000;
    private const long Rtt = 10_000;

    /// <summary>SACK on, timestamps off (so the RTT comes from the timed segment); <paramref name="segments"/> written, the first 10 (IW) sent at time 0.</summary>
    private static (TcpTestBench Bench, TcpConnection Connection, uint Una) Sending(int segments, TcpConfig? config = null)
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, config);
        var syn = new TcpOptions { HasMss = true, Mss = Mss, SackPermitted = true };
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, syn);
        Assert.True(connection.SackEnabled);
        bench.WriteAndFlush(connection, Peer.Data(segments * Mss));
        Assert.Equal(Math.Min(segments, 10), bench.Drain().Count);
        return (bench, connection, iss + 1);
    }

    private static Segment Ack(uint ack) => new() { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = ack, Window = 65535 };

    /// <summary>An ACK of <paramref name="ack"/> SACKing [left, right).</summary>
    private static Segment AckWithSack(uint ack, uint left, uint right)
    {
        var options = new TcpOptions { SackCount = 1 };
        options.Sack[0] = new SackBlock(left, right);
        return new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = ack, Window = 65535, Options = options };
    }

    private static List<Segment> DataSegments(TcpTestBench bench) => bench.Drain().Where(s => s.Payload.Length > 0).ToList();

    [Fact]
    public void RackMarksTheFirstSegmentLostOnlyAfterTheReorderingWindow()
    {
        (TcpTestBench bench, _, uint una) = Sending(10);
        bench.Advance(Rtt);

        // Segment 2 arrives, segment 1 does not: sent earlier, so RACK may judge it, but only a quarter of the
        // minimum RTT (2.5 ms) after the delivered segment's RTT, since one SACKed segment may be reordering.
        bench.Inject(AckWithSack(una, una + Mss, una + 2 * Mss));
        Assert.Empty(DataSegments(bench));

        bench.Advance(Rtt / 4 - 1);
        Assert.Empty(DataSegments(bench));
        Assert.Equal(0, bench.Engine.Statistics.RackLossDetections);

        bench.Advance(1);
        List<Segment> resent = DataSegments(bench);
        Segment retransmission = Assert.Single(resent);
        Assert.Equal(una, retransmission.Seq);
        Assert.Equal(Mss, retransmission.Payload.Length);
        Assert.Equal(1, bench.Engine.Statistics.RackLossDetections);
        Assert.Equal(1, bench.Engine.Statistics.FastRetransmits);
        Assert.Equal(0, bench.Engine.Statistics.RetransmitTimeouts);
    }

    [Fact]
    public void ThreeSackedSegmentsMarkTheHoleLostAtOnce()
    {
        (TcpTestBench bench, _, uint una) = Sending(10);
        bench.Advance(Rtt);

        bench.Inject(AckWithSack(una, una + Mss, una + 2 * Mss));
        bench.Inject(AckWithSack(una, una + Mss, una + 3 * Mss));
        Assert.Empty(DataSegments(bench));
        // RFC 8985 6.2 step 4: with DupThresh segments SACKed and no reordering seen, the window is zero, as three
        // duplicate ACKs would have it.
        bench.Inject(AckWithSack(una, una + Mss, una + 4 * Mss));
        Segment retransmission = Assert.Single(DataSegments(bench));
        Assert.Equal(una, retransmission.Seq);
        Assert.Equal(1, bench.Engine.Statistics.RackLossDetections);
    }

    [Fact]
    public void ALostRetransmissionIsMarkedAgainWhenALaterSentSegmentIsDelivered()
    {
        (TcpTestBench bench, _, uint una) = Sending(20);
        bench.Advance(Rtt);
        for (uint i = 2; i <= 4; i++)
        {
            bench.Inject(AckWithSack(una, una + Mss, una + i * Mss));
        }
        Assert.Contains(DataSegments(bench), s => s.Seq == una);

        // New data went out after the retransmission; it arrives, the retransmission does not.
        bench.Advance(Rtt);
        for (uint i = 5; i <= 10; i++)
        {
            bench.Inject(AckWithSack(una, una + Mss, una + i * Mss));
        }
        bench.Drain();
        bench.Advance(Rtt);
        bench.Inject(AckWithSack(una, una + Mss, una + 11 * Mss));
        bench.Advance(Rtt);
        List<Segment> sent = DataSegments(bench);
        Assert.Contains(sent, s => s.Seq == una);
        Assert.Equal(0, bench.Engine.Statistics.RetransmitTimeouts);
        Assert.Equal(2, bench.Engine.Statistics.RackLossDetections);
    }

    [Fact]
    public void TailLossProbeFiresAtTwiceSrttAndResendsTheLastSegment()
    {
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(10);
        bench.Advance(Rtt);
        // Half the flight is acknowledged (an RTT sample); the last five are lost at the tail.
        bench.Inject(Ack(una + 5 * Mss));
        Assert.Empty(DataSegments(bench));
        long srtt = connection.SmoothedRttMicroseconds;
        Assert.True(srtt > 0);

        // PTO = 2 SRTT, plus Linux's two-tick allowance with more than one segment in flight.
        long pto = 2 * srtt + 2 * RtoEstimator.GranularityMicros;
        Assert.True(pto < connection.RetransmissionTimeoutMicroseconds);
        bench.Advance(pto - 1);
        Assert.Empty(DataSegments(bench));
        bench.Advance(1);
        Segment probe = Assert.Single(DataSegments(bench));
        Assert.Equal(una + 9 * Mss, probe.Seq);
        Assert.Equal(Mss, probe.Payload.Length);
        Assert.Equal(1, bench.Engine.Statistics.TailLossProbes);
        Assert.Equal(0, bench.Engine.Statistics.RetransmitTimeouts);

        // The probe's ACK SACKs the last segment: RACK finds segments 6 to 9 lost at once, without a timeout.
        bench.Advance(Rtt);
        bench.Inject(AckWithSack(una + 5 * Mss, una + 9 * Mss, una + 10 * Mss));
        bench.Advance(Rtt / 4);
        List<Segment> repaired = DataSegments(bench);
        Assert.Contains(repaired, s => s.Seq == una + 5 * Mss);
        Assert.Equal(0, bench.Engine.Statistics.RetransmitTimeouts);
    }

    [Fact]
    public void WithOneSegmentInFlightTheProbeTakesThePlaceOfTheTimeout()
    {
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(2);
        bench.Advance(Rtt);
        bench.Inject(Ack(una + Mss));
        int window = connection.CongestionWindow;

        // One segment left: PTO = 2 SRTT + 200 ms (RFC 8985 7.2's delayed-ACK allowance) is later than the RTO, so
        // the probe goes out at the RTO's time instead of the timeout, which would have cut the window to one segment.
        long rto = connection.RetransmissionTimeoutMicroseconds;
        Assert.True(2 * connection.SmoothedRttMicroseconds + 200_000 > rto);
        bench.Advance(rto - 1);
        Assert.Empty(DataSegments(bench));
        bench.Advance(1);
        Segment probe = Assert.Single(DataSegments(bench));
        Assert.Equal(una + Mss, probe.Seq);
        Assert.Equal(1, bench.Engine.Statistics.TailLossProbes);
        Assert.Equal(0, bench.Engine.Statistics.RetransmitTimeouts);
        Assert.Equal(window, connection.CongestionWindow);
    }

    [Fact]
    public void TailLossProbeSendsNewDataWhenThereIsSome()
    {
        // 14 segments written: the initial window takes 10, the ACK of one grows it to 11 and releases two more, and
        // the congestion window holds back the last two. The probe may send new data past it (RFC 8985 7.3).
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(14);
        bench.Advance(Rtt);
        bench.Inject(Ack(una + Mss));
        Assert.Equal(2, DataSegments(bench).Count);
        bench.Advance(2 * connection.SmoothedRttMicroseconds + 2 * RtoEstimator.GranularityMicros);
        Segment probe = Assert.Single(DataSegments(bench));
        Assert.Equal(una + 12 * Mss, probe.Seq);
        Assert.Equal(1, bench.Engine.Statistics.TailLossProbes);
        Assert.Equal(0, bench.Engine.Statistics.Retransmissions);
    }

    [Fact]
    public void ProportionalRateReductionSendsAboutOneSegmentForEveryTwoDelivered()
    {
        // NewReno pinned: ssthresh = FlightSize / 2 (22 segments, with the two limited transmits) against RecoverFS = cwnd
        // (20) makes PRR's ratio ssthresh / RecoverFS a little over one half.
        (TcpTestBench bench, TcpConnection connection, uint una) =
            Sending(60, new TcpConfig { CongestionControl = CongestionControlAlgorithm.NewReno });
        bench.Advance(Rtt);
        // Slow start to 20 segments in flight: each ACK of one segment releases two.
        for (uint i = 1; i <= 10; i++)
        {
            bench.Inject(Ack(una + i * Mss));
        }
        Assert.Equal(20, DataSegments(bench).Count);
        una += 10 * Mss;
        bench.Advance(Rtt);

        // Segment 1 of the twenty is lost. The first two SACKs each let one new segment out (limited transmit, RFC
        // 3042, which RFC 6675's pipe gives by itself); the third SACKed segment starts recovery with the retransmission.
        for (uint i = 2; i <= 3; i++)
        {
            bench.Inject(AckWithSack(una, una + Mss, una + i * Mss));
            Segment limited = Assert.Single(DataSegments(bench));
            Assert.Equal(una + (18 + i) * Mss, limited.Seq);
        }
        bench.Inject(AckWithSack(una, una + Mss, una + 4 * Mss));
        Assert.Equal(una, Assert.Single(DataSegments(bench)).Seq);
        Assert.Equal(1, bench.Engine.Statistics.FastRetransmits);

        // RFC 9937 while pipe is above ssthresh: after the n-th ACK of recovery, ceil(n * ssthresh / RecoverFS) segments
        // in all may have been sent (ssthresh = 11 = FlightSize / 2; RecoverFS = 20, cwnd when recovery began, as Linux's
        // prior_cwnd), counted in whole segments as Linux counts packets: the retransmission took n = 1, a new segment
        // goes at n = 2, 4, 6 and 8, none at the odd ones. Half as fast as the ACKs come, no burst, no stall.
        var perAck = new List<int>();
        for (uint i = 5; i <= 12; i++)
        {
            bench.Inject(AckWithSack(una, una + Mss, una + i * Mss));
            perAck.Add(DataSegments(bench).Count);
        }
        Assert.Equal(new[] { 1, 0, 1, 0, 1, 0, 1, 0 }, perAck);

        // The retransmission arrives: the ACK of everything sent before recovery ends it, at no more than ssthresh.
        bench.Inject(Ack(una + 22 * Mss));
        Assert.True(connection.CongestionWindow <= 11 * Mss);
        Assert.Equal(0, bench.Engine.Statistics.RetransmitTimeouts);
    }

    [Fact]
    public void ALossAtTheTailOfRecoveryIsRepairedByOneRescueRetransmission()
    {
        (TcpTestBench bench, _, uint una) = Sending(10);
        bench.Advance(Rtt);

        // Segments 1 and 10 are lost. RACK cannot judge 10 (nothing sent after it was delivered), and no new data is
        // left to send: RFC 6675's rescue retransmission resends it once the window has room, and only once.
        var sent = new List<Segment>();
        for (uint i = 2; i <= 9; i++)
        {
            bench.Inject(AckWithSack(una, una + Mss, una + i * Mss));
            sent.AddRange(DataSegments(bench));
        }
        Assert.Single(sent, s => s.Seq == una);
        Assert.Single(sent, s => s.Seq == una + 9 * Mss);
        Assert.Equal(2, sent.Count);
        Assert.Equal(0, bench.Engine.Statistics.RetransmitTimeouts);
    }

    [Fact]
    public void SpuriousTimeoutIsUndoneByDsack()
    {
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(1);
        int initialWindow = connection.CongestionWindow;

        // No ACK within the RTO (no RTT sample yet, so no probe either): the segment is sent again, cwnd is one segment.
        bench.Advance(connection.RetransmissionTimeoutMicroseconds);
        Segment resent = Assert.Single(DataSegments(bench));
        Assert.Equal(una, resent.Seq);
        Assert.Equal(1, bench.Engine.Statistics.RetransmitTimeouts);
        Assert.Equal(Mss, connection.CongestionWindow);

        // The original was only late: its ACK comes, then the retransmission is reported as a duplicate (RFC 2883).
        bench.Inject(Ack(una + Mss));
        Assert.Equal(0, bench.Engine.Statistics.SpuriousRetransmitUndos);
        bench.Inject(AckWithSack(una + Mss, una, una + Mss));
        Assert.Equal(1, bench.Engine.Statistics.SpuriousRetransmitUndos);
        Assert.Equal(1, bench.Engine.Statistics.DuplicateSacksReceived);
        Assert.Equal(initialWindow, connection.CongestionWindow);
    }

    [Fact]
    public void ADuplicateSegmentIsReportedInTheFirstSackBlock()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { QuickAcks = 0 });
        (_, uint iss) = bench.PassiveEstablished(PeerIss, new TcpOptions { HasMss = true, Mss = Mss, SackPermitted = true });
        uint next = PeerIss + 1;
        var data = new Segment { Flags = TcpFlags.Ack, Seq = next, Ack = iss + 1, Window = 65535, Payload = Peer.Data(Mss, 0) };
        bench.Inject(data);
        bench.Inject(data with { Seq = next + Mss });
        bench.Expect(Check.Ack(next + 2 * Mss));

        // The first segment again: RFC 2883 4's DSACK, the duplicate range in front, below the cumulative ACK.
        bench.Inject(data);
        Segment ack = bench.Expect(Check.Ack(next + 2 * Mss));
        Assert.Equal(1, ack.Options.SackCount);
        Assert.Equal(new SackBlock(next, next + Mss), ack.Options.Sack[0]);
    }
}
