using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// Where PSH goes in a burst, as Linux 6.x places it (packetdrill's slow_start, fast_recovery and nagle scripts see
/// it): Linux hands its device chunks of about a millisecond at the pacing rate, at least tcp_min_tso_segs segments,
/// at most half the congestion window and at most what is left of it, and PSH goes on every chunk of two or more
/// segments; a one-segment chunk carries it only if it empties the buffer.
/// </summary>
public class PushPlacementTests
{
    private const int Mss = 1000;
    private const uint PeerIss = 7000;

    /// <summary>
    /// A passive connection whose handshake took 100 ms (the RTT its pacing rate starts from), then a 26-segment write;
    /// returns the segments sent at once.
    /// </summary>
    private static List<Segment> FirstBurst(int minSegmentsPerChunk) => FirstBurst(minSegmentsPerChunk, slowStartAfterIdle: true).Burst;

    private static (TcpTestBench Bench, TcpConnection Connection, List<Segment> Burst) FirstBurst(int minSegmentsPerChunk, bool slowStartAfterIdle)
    {
        var bench = new TcpTestBench(BenchDesign.Standalone,
            new TcpConfig { MinSegmentsPerChunk = minSegmentsPerChunk, Timestamps = false, SlowStartAfterIdle = slowStartAfterIdle });
        Segment synAck = bench.PassiveSynReceived(PeerIss, new TcpOptions { HasMss = true, Mss = Mss });
        bench.Advance(100_000);
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = synAck.Seq + 1 });
        Assert.True(bench.Handler.Listener!.TryAccept(out TcpConnection? connection));
        Assert.Equal(100_000, connection!.SmoothedRttMicroseconds);
        connection.Write(Peer.Data(26 * Mss));
        bench.Engine.FlushPending();
        return (bench, connection, Drain(bench));
    }

    private static List<Segment> Drain(TcpTestBench bench)
    {
        var burst = new List<Segment>();
        while (bench.Device.Sent.Count > 0)
        {
            burst.Add(bench.Expect());
        }
        return burst;
    }

    /// <summary>The peer acknowledges everything up to the end of <paramref name="last"/>, 100 ms after the last event.</summary>
    private static List<Segment> AckAll(TcpTestBench bench, Segment last)
    {
        bench.Advance(100_000);
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = last.Seq + (uint)last.Payload.Length });
        bench.Engine.FlushPending();
        return Drain(bench);
    }

    private static string PushPattern(List<Segment> burst) => string.Concat(burst.Select(s => s.Has(TcpFlags.Psh) ? 'P' : '.'));

    [Fact]
    public void WithAPacingRateUnderTwoSegmentsAMillisecondEverySecondSegmentEndsAChunk()
    {
        // 2 * 10 * 1000 B / 100 ms = 200 kB/s, 195 bytes a millisecond: the two-segment floor (https_client.pkt).
        List<Segment> burst = FirstBurst(minSegmentsPerChunk: 2);
        Assert.Equal(10, burst.Count);
        Assert.Equal(".P.P.P.P.P", PushPattern(burst));
    }

    [Fact]
    public void AChunkIsNeverMoreThanHalfTheCongestionWindow()
    {
        // tcp_min_tso_segs=10 as slow-start-after-idle.pkt sets it: chunks of half the initial window of 10.
        List<Segment> burst = FirstBurst(minSegmentsPerChunk: 10);
        Assert.Equal(10, burst.Count);
        Assert.Equal("....P....P", PushPattern(burst));
    }

    [Fact]
    public void TheOneSegmentTheCongestionWindowHasLeftCarriesNoPush()
    {
        // Chunks of 3 (tcp_min_tso_segs=3 over a slower pacing rate) in a window of 10: 3, 3, 3, then the one segment
        // tcp_cwnd_test still allows, sent alone and, as in prr-ss-30pkt-lost1_4.pkt, without PSH.
        List<Segment> burst = FirstBurst(minSegmentsPerChunk: 3);
        Assert.Equal(10, burst.Count);
        Assert.Equal("..P..P..P.", PushPattern(burst));
    }

    [Fact]
    public void AfterAnIdleRtoTheWindowRestartsAndChunksShrinkWithIt()
    {
        (TcpTestBench bench, TcpConnection connection, List<Segment> burst) = FirstBurst(minSegmentsPerChunk: 10, slowStartAfterIdle: true);
        List<Segment> second = AckAll(bench, burst[^1]);
        Assert.Equal(16, second.Count);
        Assert.Empty(AckAll(bench, second[^1]));
        Assert.Equal(36 * Mss, connection.CongestionWindow);

        // Two seconds without sending, several RTOs: the next write starts again from the initial window of 10,
        // in chunks of half of it (slow-start-after-idle.pkt).
        bench.Advance(2_000_000);
        connection.Write(Peer.Data(20 * Mss));
        bench.Engine.FlushPending();
        List<Segment> afterIdle = Drain(bench);
        Assert.Equal(10 * Mss, connection.CongestionWindow);
        Assert.Equal("....P....P", PushPattern(afterIdle));
    }

    [Fact]
    public void WithoutSlowStartAfterIdleTheWindowSurvivesTheIdleTime()
    {
        (TcpTestBench bench, TcpConnection connection, List<Segment> burst) = FirstBurst(minSegmentsPerChunk: 10, slowStartAfterIdle: false);
        List<Segment> second = AckAll(bench, burst[^1]);
        AckAll(bench, second[^1]);
        bench.Advance(2_000_000);
        connection.Write(Peer.Data(20 * Mss));
        bench.Engine.FlushPending();
        List<Segment> afterIdle = Drain(bench);
        Assert.Equal(36 * Mss, connection.CongestionWindow);
        Assert.Equal(".........P.........P", PushPattern(afterIdle));
    }
}
