using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>Initial window (RFC 6928), fast retransmit (RFC 5681 3.2) and NewReno partial ACKs (RFC 6582).</summary>
public class FastRetransmitTests
{
    private const int Mss = 1460;
    private const uint PeerIss = 1000;

    [Theory]
    [DesignData(false, 1460)]
    [DesignData(true, 1448)]
    public void InitialWindowIsTenSegments(BenchDesign design, bool timestamps, int payload)
    {
        var bench = new TcpTestBench(design);
        var syn = new TcpOptions { HasMss = true, Mss = Mss, HasTimestamps = timestamps, TsVal = timestamps ? 1u : 0u, HasWindowScale = true, WindowScale = 7 };
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, syn);
        bench.WriteAndFlush(connection, Peer.Data(20 * payload));
        List<Segment> sent = bench.Drain();
        Assert.Equal(10, sent.Count);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(iss + 1 + (uint)(i * payload), sent[i].Seq);
            Assert.Equal(payload, sent[i].Payload.Length);
        }
    }

    /// <summary>Established, 30 segments written, cwnd grown by per-segment ACKs to 20 segments in flight; returns first unacked seq.</summary>
    private static (TcpConnection Connection, uint Una, uint End) TwentyInFlight(TcpTestBench bench)
    {
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        bench.WriteAndFlush(connection, Peer.Data(30 * Mss));
        Assert.Equal(10, bench.Drain().Count);
        uint start = iss + 1;
        int newSegments = 0;
        for (int i = 1; i <= 10; i++)
        {
            bench.Inject(Ack(start + (uint)(i * Mss)));
            newSegments += bench.Drain().Count;
        }
        // Slow start: each ACK of one segment opens room for two.
        Assert.Equal(20, newSegments);
        Assert.Equal(20 * Mss, connection.CongestionWindow);
        return (connection, start + 10 * Mss, start + 30 * Mss);
    }

    private static Segment Ack(uint ack) => new() { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = ack, Window = 65535 };

    [Theory]
    [DesignData]
    public void ThreeDuplicateAcksRetransmitExactlyTheFirstUnackedSegment(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (TcpConnection connection, uint una, _) = TwentyInFlight(bench);
        bench.Inject(Ack(una));
        bench.ExpectNothing();
        bench.Inject(Ack(una));
        bench.ExpectNothing();
        bench.Inject(Ack(una));
        bench.Expect(Seq(una), PayloadLength(Mss));
        bench.ExpectNothing();
        Assert.Equal(1, bench.Engine.Statistics.FastRetransmits);
        // RFC 5681 3.2: ssthresh = FlightSize / 2, cwnd = ssthresh + 3 SMSS.
        Assert.Equal(10 * Mss + 3 * Mss, connection.CongestionWindow);

        // Further duplicates inflate cwnd but, with 20 segments in flight, release nothing.
        bench.Inject(Ack(una));
        bench.Inject(Ack(una));
        bench.ExpectNothing();
        Assert.Equal(1, bench.Engine.Statistics.FastRetransmits);
    }

    [Theory]
    [DesignData]
    public void PartialAckRetransmitsTheNextHoleAndFullAckEndsRecovery(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (TcpConnection connection, uint una, uint end) = TwentyInFlight(bench);
        for (int i = 0; i < 3; i++)
        {
            bench.Inject(Ack(una));
        }
        Assert.Equal(una, bench.Expect().Seq);
        bench.ExpectNothing();

        // The retransmission filled the first hole; the peer still misses segment 15.
        uint hole = una + 5 * Mss;
        bench.Inject(Ack(hole));
        bench.Expect(Seq(hole), PayloadLength(Mss));
        bench.ExpectNothing();

        // Another partial ACK, another hole.
        uint hole2 = hole + 3 * Mss;
        bench.Inject(Ack(hole2));
        Assert.Equal(hole2, bench.Expect().Seq);
        bench.ExpectNothing();

        // The full ACK ends recovery: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582 3.2 step 3, option 1).
        bench.Inject(Ack(end));
        bench.ExpectNothing();
        Assert.Equal(2 * Mss, connection.CongestionWindow);
        Assert.Equal(0, connection.Unacknowledged);

        // Out of recovery, new data goes out at the new cwnd (2 segments).
        bench.WriteAndFlush(connection, Peer.Data(6 * Mss));
        Assert.Equal(2, bench.Drain().Count);
        Assert.Equal(1, bench.Engine.Statistics.FastRetransmits);
    }

    [Theory]
    [DesignData]
    public void DuplicateAcksBelowThresholdDoNothing(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (_, uint una, _) = TwentyInFlight(bench);
        bench.Inject(Ack(una));
        bench.Inject(Ack(una));
        // A new ACK resets the count (and all 30 segments are already out, so nothing new leaves).
        bench.Inject(Ack(una + Mss));
        bench.Inject(Ack(una + Mss));
        bench.Inject(Ack(una + Mss));
        bench.ExpectNothing();
        Assert.Equal(0, bench.Engine.Statistics.FastRetransmits);
        // The third duplicate of the new SND.UNA does trigger.
        bench.Inject(Ack(una + Mss));
        Assert.Equal(una + Mss, bench.Expect().Seq);
        bench.ExpectNothing();
    }
}
