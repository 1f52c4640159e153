using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// The congestion window packet by packet, as Linux counts it where packetdrill's scripts look: slow start by the
/// segments an ACK covers (RFC 5681's one SMSS per ACK under <see cref="TcpProfile.Rfc"/>), growth only while the
/// sender uses its window, limited transmit without SACK (RFC 3042), Proportional Rate Reduction's SafeACK rule and its
/// end at ssthresh (RFC 9937), CUBIC's ssthresh from cwnd, and the congestion state and counts tcp_info reports.
/// </summary>
public class CongestionWindowTests
{
    private const int Mss = 1000;
    private const uint PeerIss = 1000;
    private const long Rtt = 10_000;

    private static (TcpTestBench Bench, TcpConnection Connection, uint Una) Sending(int segments, bool sack, TcpConfig? config = null)
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, config);
        var syn = new TcpOptions { HasMss = true, Mss = Mss, SackPermitted = sack };
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, syn);
        Assert.Equal(sack, connection.SackEnabled);
        bench.WriteAndFlush(connection, Peer.Data(segments * Mss));
        Assert.Equal(Math.Min(segments, 10), DataSegments(bench).Count);
        return (bench, connection, iss + 1);
    }

    private static Segment Ack(uint ack) => new() { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = ack, Window = 65535 };

    private static Segment AckWithSack(uint ack, uint left, uint right)
    {
        var options = new TcpOptions { SackCount = 1 };
        options.Sack[0] = new SackBlock(left, right);
        return new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = ack, Window = 65535, Options = options };
    }

    private static List<Segment> DataSegments(TcpTestBench bench) => bench.Drain().Where(s => s.Payload.Length > 0).ToList();

    [Fact]
    public void SlowStartGrowsByEverySegmentAnAckCovers()
    {
        // slow-start-ack-per-2pkt: a receiver that ACKs every second segment still doubles cwnd each round trip.
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(40, sack: true);
        bench.Advance(Rtt);
        for (uint i = 1; i <= 5; i++)
        {
            bench.Inject(Ack(una + 2 * i * Mss));
            Assert.Equal(4, DataSegments(bench).Count);
            Assert.Equal(10 + 2 * (int)i, connection.CongestionWindowSegments);
        }
        Assert.Equal(20 * Mss, connection.CongestionWindow);
    }

    [Fact]
    public void UnderTheRfcProfileSlowStartGrowsByOneSegmentPerAck()
    {
        // RFC 5681 3.1: "at most SMSS bytes for each ACK"; TcpProfile.Rfc keeps it (TcpConfig.SlowStartGrowthLimit = 1).
        TcpConfig config = TcpProfile.Rfc.CreateConfig();
        Assert.Equal(1, config.SlowStartGrowthLimit);
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(40, sack: true, config);
        bench.Advance(Rtt);
        bench.Inject(Ack(una + 2 * Mss));
        Assert.Equal(3, DataSegments(bench).Count);
        Assert.Equal(11 * Mss, connection.CongestionWindow);
    }

    [Fact]
    public void AnApplicationLimitedSenderGrowsCwndOnlyToTwiceItsLargestFlight()
    {
        // slow-start-app-limited-9-packets-out: nine segments out, nothing more to send; cwnd may reach 18, no more,
        // though the flight shrinks with every ACK (Linux's max_packets_out of the window, not the flight now).
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(9, sack: true);
        bench.Advance(Rtt);
        int[] expected = [12, 14, 16, 18];
        for (uint i = 1; i <= 4; i++)
        {
            bench.Inject(Ack(una + 2 * i * Mss));
            Assert.Equal(expected[i - 1], connection.CongestionWindowSegments);
        }
        bench.Inject(Ack(una + 9 * Mss));
        Assert.Equal(18, connection.CongestionWindowSegments);
    }

    [Fact]
    public void WithoutSackTheFirstTwoDuplicateAcksEachSendANewSegment()
    {
        // limited-transmit-no-sack: RFC 3042 limited transmit, then the ACK that shows it was reordering counts for
        // growth only the segment the duplicates had not already reported (Linux: max(acked - dupacks, 1)).
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(15, sack: false);
        bench.Advance(Rtt);
        for (uint i = 0; i < 2; i++)
        {
            bench.Inject(Ack(una));
            Segment limited = Assert.Single(DataSegments(bench));
            Assert.Equal(una + (10 + i) * Mss, limited.Seq);
            Assert.Equal(TcpCongestionState.Disorder, connection.CongestionState);
        }
        Assert.Equal(0, bench.Engine.Statistics.FastRetransmits);

        bench.Inject(Ack(una + 3 * Mss));
        Assert.Equal(11, connection.CongestionWindowSegments);
        List<Segment> sent = DataSegments(bench);
        Assert.Equal(2, sent.Count);
        Assert.Equal(una + 12 * Mss, sent[0].Seq);
        Assert.Equal(TcpCongestionState.Open, connection.CongestionState);
    }

    /// <summary>
    /// prr-ss-30pkt-lost1_4's start: ten segments out, the first four lost, the next three SACKed; recovery begins with
    /// ssthresh 7 (CUBIC's 717/1024 of cwnd 10) and one retransmission.
    /// </summary>
    private static (TcpTestBench Bench, TcpConnection Connection, uint Una) InRecoveryWithFourLost(int written)
    {
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(written, sack: true);
        bench.Advance(Rtt);
        bench.Inject(AckWithSack(una, una + 4 * Mss, una + 5 * Mss));
        Assert.Equal(TcpCongestionState.Disorder, connection.CongestionState);
        bench.Inject(AckWithSack(una, una + 4 * Mss, una + 6 * Mss));
        bench.Inject(AckWithSack(una, una + 4 * Mss, una + 7 * Mss));
        Segment first = Assert.Single(DataSegments(bench));
        Assert.Equal(una, first.Seq);
        Assert.Equal(TcpCongestionState.Recovery, connection.CongestionState);
        Assert.Equal(7, connection.SlowStartThresholdSegments);
        Assert.Equal(3, connection.SackedSegmentCount);
        Assert.Equal(4, connection.LostSegmentCount);
        Assert.Equal(1, connection.RetransmittedSegmentCount);
        return (bench, connection, una);
    }

    [Fact]
    public void InRecoveryEachSackedSegmentLetsOneSegmentOut()
    {
        // PRR-CRB (RFC 9937): pipe is under ssthresh and SND.UNA does not move, so what goes out is what was delivered.
        (TcpTestBench bench, _, uint una) = InRecoveryWithFourLost(10);
        for (uint i = 1; i <= 3; i++)
        {
            bench.Inject(AckWithSack(una, una + 4 * Mss, una + (7 + i) * Mss));
            Segment resent = Assert.Single(DataSegments(bench));
            Assert.Equal(una + i * Mss, resent.Seq);
        }
    }

    [Fact]
    public void ASafeAckInRecoveryLetsOneSegmentMoreThanItDelivered()
    {
        // RFC 9937's SafeACK: SND.UNA advances and no new loss shows, so PRR slow-starts towards ssthresh (PRR-SSRB).
        (TcpTestBench bench, TcpConnection connection, uint una) = InRecoveryWithFourLost(10);
        for (uint i = 1; i <= 3; i++)
        {
            bench.Inject(AckWithSack(una, una + 4 * Mss, una + (7 + i) * Mss));
            Assert.Single(DataSegments(bench));
            Assert.Equal(4, connection.CongestionWindowSegments);
        }
        // The first retransmission is acknowledged: delivered 1, pipe 3 (the other retransmissions), so cwnd is
        // pipe + delivered + 1; an ACK that only SACKs (not safe) would have left it at pipe + delivered.
        bench.Inject(AckWithSack(una + Mss, una + 4 * Mss, una + 10 * Mss));
        Assert.Equal(5, connection.CongestionWindowSegments);
        Assert.Empty(DataSegments(bench));
    }

    [Fact]
    public void RecoveryEndsWithCwndAtSsthresh()
    {
        // prr-ss-30pkt-lost1_4: when everything sent before recovery is acknowledged, cwnd is ssthresh (RFC 9937 4),
        // so the next write goes out seven segments at once.
        (TcpTestBench bench, TcpConnection connection, uint una) = InRecoveryWithFourLost(10);
        for (uint i = 1; i <= 3; i++)
        {
            bench.Inject(AckWithSack(una, una + 4 * Mss, una + (7 + i) * Mss));
            Assert.Single(DataSegments(bench));
        }
        bench.Inject(Ack(una + 10 * Mss));
        Assert.Equal(TcpCongestionState.Open, connection.CongestionState);
        Assert.Equal(7, connection.CongestionWindowSegments);
        Assert.Equal(0, connection.LostSegmentCount);
        Assert.Equal(0, connection.SegmentsInFlight);
        bench.WriteAndFlush(connection, Peer.Data(10 * Mss));
        Assert.Equal(7, DataSegments(bench).Count);
    }

    [Fact]
    public void CubicTakesSsthreshFromCwndNotFromTheLargerFlight()
    {
        // prr-ss-30pkt-lost-1_4-11_16: two limited transmits make the flight 12 segments when recovery starts; Linux's
        // CUBIC takes ssthresh from cwnd (10 * 717 / 1024 = 7), where 0.7 of the flight would give 8.
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(20, sack: true);
        bench.Advance(Rtt);
        for (uint i = 5; i <= 6; i++)
        {
            bench.Inject(AckWithSack(una, una + 4 * Mss, una + i * Mss));
            Assert.Equal(una + (5 + i) * Mss, Assert.Single(DataSegments(bench)).Seq);
        }
        bench.Inject(AckWithSack(una, una + 4 * Mss, una + 7 * Mss));
        Assert.Equal(una, Assert.Single(DataSegments(bench)).Seq);
        Assert.Equal(7, connection.SlowStartThresholdSegments);
        Assert.Equal(12, connection.SegmentsInFlight);
    }

    [Fact]
    public void ReorderingDegreeFollowsHowFarASegmentWasDeliveredOutOfOrder()
    {
        // sack-shift-sacked-7-3-4: segment 8 SACKed, then segment 4 (never retransmitted): 8001 - 3001 is five segments.
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(10, sack: true);
        Assert.Equal(3, connection.ReorderingDegree);
        bench.Advance(Rtt);
        bench.Inject(AckWithSack(una, una + 7 * Mss, una + 8 * Mss));
        Assert.Equal(3, connection.ReorderingDegree);
        var options = new TcpOptions { SackCount = 2 };
        options.Sack[0] = new SackBlock(una + 3 * Mss, una + 4 * Mss);
        options.Sack[1] = new SackBlock(una + 7 * Mss, una + 8 * Mss);
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = una, Window = 65535, Options = options });
        Assert.Equal(5, connection.ReorderingDegree);
    }

    [Fact]
    public void AfterATimeoutALostRetransmissionIsResentWithoutASecondReduction()
    {
        // Linux's Loss state: the timeout cut ssthresh to 7 (0.7 of the flight) and cwnd to one segment; RACK finding
        // a retransmission lost during it resends it, but does not start a recovery that would cut ssthresh again
        // from a cwnd of two segments.
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(10, sack: true);
        bench.Advance(1_000_000);
        Assert.Equal(una, Assert.Single(DataSegments(bench)).Seq);
        Assert.Equal(TcpCongestionState.Loss, connection.CongestionState);
        Assert.Equal(7, connection.SlowStartThresholdSegments);

        bench.Advance(Rtt);
        bench.Inject(Ack(una + Mss));
        Assert.Equal(2, DataSegments(bench).Count);
        bench.Advance(Rtt);
        bench.Inject(AckWithSack(una + Mss, una + 2 * Mss, una + 3 * Mss));
        Assert.Contains(DataSegments(bench), s => s.Seq == una + Mss);
        Assert.Equal(TcpCongestionState.Loss, connection.CongestionState);
        Assert.Equal(7, connection.SlowStartThresholdSegments);
        Assert.Equal(0, bench.Engine.Statistics.FastRetransmits);

        // Everything sent before the timeout acknowledged: the Loss state ends.
        bench.Inject(Ack(una + 10 * Mss));
        Assert.Equal(TcpCongestionState.Open, connection.CongestionState);
    }
}
