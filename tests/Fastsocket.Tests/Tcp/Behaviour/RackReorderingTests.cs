using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// What RACK takes for reordering (RFC 8985 6.2 step 3, as Linux's tcp_check_sack_reordering): only a segment
/// delivered below what an earlier ACK had reported delivered. What one ACK reports (its cumulative ACK and all its
/// SACK blocks, in whatever order they are listed) is one arrival, so with DupThresh segments SACKed the reordering
/// window stays zero and every hole is marked lost at once, as Linux resends both holes of
/// packetdrill's sack-route-refresh-ip-tos.pkt together. Packet by packet on the virtual clock.
/// </summary>
public class RackReorderingTests
{
    private const int Mss = 1460;
    private const uint PeerIss = 1000;
    private const long Rtt = 10_000;

    /// <summary>SACK on, timestamps off; <paramref name="segments"/> written, the first 10 (IW) sent at time 0.</summary>
    private static (TcpTestBench Bench, TcpConnection Connection, uint Una) Sending(int segments)
    {
        var bench = new TcpTestBench(BenchDesign.Standalone);
        var syn = new TcpOptions { HasMss = true, Mss = Mss, SackPermitted = true };
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, syn);
        Assert.True(connection.SackEnabled);
        bench.WriteAndFlush(connection, Peer.Data(segments * Mss));
        Assert.Equal(Math.Min(segments, 10), bench.Drain().Count);
        return (bench, connection, iss + 1);
    }

    /// <summary>An ACK of <paramref name="ack"/> with the SACK blocks given, in that order.</summary>
    private static Segment AckWithSacks(uint ack, params (uint Left, uint Right)[] blocks)
    {
        var options = new TcpOptions { SackCount = blocks.Length };
        for (int i = 0; i < blocks.Length; i++)
        {
            options.Sack[i] = new SackBlock(blocks[i].Left, blocks[i].Right);
        }
        return new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = ack, Window = 65535, Options = options };
    }

    private static List<Segment> DataSegments(TcpTestBench bench) => bench.Drain().Where(s => s.Payload.Length > 0).ToList();

    [Fact]
    public void AnAckThatFillsTheHeadAndSacksPastTwoHolesResendsBothHolesAtOnce()
    {
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(10);
        bench.Advance(Rtt);

        // Segment 0 is acknowledged, 3 and 6-9 SACKed: 1-2 and 4-5 are holes. Segment 0 lies below the SACKed ones,
        // but it arrived with them, so this is no reordering: five SACKed segments (at least DupThresh) and no
        // reordering seen make the window zero, and all four are lost now, not a reordering window later.
        bench.Inject(AckWithSacks(una + Mss, (una + 3 * Mss, una + 4 * Mss), (una + 6 * Mss, una + 10 * Mss)));
        List<Segment> resent = DataSegments(bench);
        Assert.Equal([una + Mss, una + 2 * Mss, una + 4 * Mss, una + 5 * Mss], resent.Select(s => s.Seq).ToArray());
        Assert.Equal(4, bench.Engine.Statistics.RackLossDetections);
        Assert.Equal(1, bench.Engine.Statistics.FastRetransmits);
        Assert.Equal(3, connection.ReorderingDegree);
    }

    [Fact]
    public void SackBlocksListedNewestFirstAreNotTakenForReordering()
    {
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(10);
        bench.Advance(Rtt);

        // RFC 2018 lists the most recent block first; the lower block is no later arrival than the higher one.
        bench.Inject(AckWithSacks(una, (una + 6 * Mss, una + 10 * Mss), (una + 3 * Mss, una + 4 * Mss)));
        List<Segment> resent = DataSegments(bench);
        Assert.Equal([una, una + Mss, una + 2 * Mss, una + 4 * Mss, una + 5 * Mss], resent.Select(s => s.Seq).ToArray());
        Assert.Equal(3, connection.ReorderingDegree);
    }

    [Fact]
    public void ASegmentDeliveredBelowWhatAnEarlierAckSackedIsReordering()
    {
        (TcpTestBench bench, TcpConnection connection, uint una) = Sending(10);
        bench.Advance(Rtt);

        // One segment SACKed: the reordering window (a quarter of the minimum RTT) holds the holes back.
        bench.Inject(AckWithSacks(una, (una + 9 * Mss, una + 10 * Mss)));
        Assert.Empty(DataSegments(bench));
        // Segment 2 arrives after an ACK had reported segment 9, and before anything was resent: that is
        // reordering, eight segments deep (RACK.fack less the segment's start).
        bench.Inject(AckWithSacks(una, (una + 2 * Mss, una + 3 * Mss), (una + 9 * Mss, una + 10 * Mss)));
        Assert.Equal(8, connection.ReorderingDegree);
    }

    [Fact]
    public void ARetransmissionRepeatsThePshOfTheSegmentItResends()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone);
        var syn = new TcpOptions { HasMss = true, Mss = Mss, SackPermitted = true };
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, syn);
        uint una = iss + 1;
        // A first exchange, so that the sender has a pacing rate (a passive opener's first flight has none, and is
        // resent without the PSH of its chunks, as Linux resends parts of one buffer).
        bench.WriteAndFlush(connection, Peer.Data(Mss));
        Assert.Single(DataSegments(bench));
        bench.Advance(Rtt);
        bench.Inject(AckWithSacks(una + Mss));
        una += Mss;

        // A write of one segment goes out with PSH (it empties the buffer); a write of four follows it.
        bench.WriteAndFlush(connection, Peer.Data(Mss));
        bench.WriteAndFlush(connection, Peer.Data(4 * Mss));
        List<Segment> sent = DataSegments(bench);
        Assert.Equal(5, sent.Count);
        Assert.True(sent[0].Has(TcpFlags.Psh));
        Assert.False(sent[1].Has(TcpFlags.Psh));

        // Segments 0 and 1 are lost, 2 to 4 SACKed: both are resent at once, each with the PSH it had (Linux
        // resends a buffer with its flags), although later data is still unacknowledged behind them. (The SACK
        // comes back within a millisecond, before the tail loss probe, which the short first RTT sets early.)
        bench.Advance(1_000);
        bench.Inject(AckWithSacks(una, (una + 2 * Mss, una + 5 * Mss)));
        List<Segment> resent = DataSegments(bench);
        Assert.Equal([una, una + Mss], resent.Select(s => s.Seq).ToArray());
        Assert.True(resent[0].Has(TcpFlags.Psh), "segment 0 went out with PSH");
        Assert.False(resent[1].Has(TcpFlags.Psh), "segment 1 went out without PSH");
    }
}
