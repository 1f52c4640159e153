using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// Where PSH goes in a burst, as Linux places it (packetdrill's slow_start and nagle scripts see it): Linux hands its
/// device chunks of about a millisecond at the pacing rate, at least tcp_min_tso_segs segments and at most half the
/// congestion window, and the last segment of each chunk carries PSH; so does the segment that empties the buffer.
/// </summary>
public class PushPlacementTests
{
    private const int Mss = 1000;
    private const uint PeerIss = 7000;

    /// <summary>
    /// A passive connection whose handshake took 100 ms (the RTT its pacing rate starts from), then a 26-segment write;
    /// returns the segments sent at once.
    /// </summary>
    private static List<Segment> FirstBurst(int minSegmentsPerChunk)
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { MinSegmentsPerChunk = minSegmentsPerChunk, Timestamps = false });
        Segment synAck = bench.PassiveSynReceived(PeerIss, new TcpOptions { HasMss = true, Mss = Mss });
        bench.Advance(100_000);
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = synAck.Seq + 1 });
        Assert.True(bench.Handler.Listener!.TryAccept(out TcpConnection? connection));
        Assert.Equal(100_000, connection!.SmoothedRttMicroseconds);
        connection.Write(Peer.Data(26 * Mss));
        bench.Engine.FlushPending();
        var burst = new List<Segment>();
        while (bench.Device.Sent.Count > 0)
        {
            burst.Add(bench.Expect());
        }
        return burst;
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
}
