using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// When the tail loss probe fires on a request/response connection whose round trip is inflated by queueing at the
/// receiver (a saturated engine holding every request for about 90 ms): as Linux, no earlier than SRTT + max(4 RTTVAR,
/// min RTO) with one segment in flight, so a reply acknowledged late, but well inside that, draws no spurious probe;
/// and the timeout cannot fire before the probe that took its place.
/// </summary>
public class LossProbeTimingTests
{
    private const int Mss = 1460;
    private const uint PeerIss = 1000;
    private const long QueuedRtt = 90_000;
    private const int Exchanges = 24;

    /// <summary>
    /// A SACK connection (timestamps off, so each reply is timed) that has sent <see cref="Exchanges"/> one-segment
    /// replies, each acknowledged <see cref="QueuedRtt"/> later; returns the estimator fed the same samples the
    /// connection took, the next sequence number to send, and the peer's next sequence number.
    /// </summary>
    private static (TcpTestBench Bench, TcpConnection Connection, RtoEstimator Expected, uint Next) Exchanged(bool minRtoBoundsVariance = true)
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { MinRtoBoundsVariance = minRtoBoundsVariance });
        var syn = new TcpOptions { HasMss = true, Mss = Mss, SackPermitted = true };
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, syn);
        Assert.True(connection.SackEnabled);
        // Linux's estimator (the default), RTO = SRTT + max(4 RTTVAR, min RTO), or RFC 6298's.
        var expected = new RtoEstimator { MinRtoBoundsVariance = minRtoBoundsVariance };
        if (connection.SmoothedRttMicroseconds > 0 || connection.RetransmissionTimeoutMicroseconds != RtoEstimator.InitialRtoMicros)
        {
            // The handshake was timed on the virtual clock, which had not moved: a sample of zero.
            expected.AddSample(0);
        }
        uint next = iss + 1;
        for (int i = 0; i < Exchanges; i++)
        {
            bench.WriteAndFlush(connection, Peer.Data(100, i));
            Assert.Single(bench.Drain());
            bench.Advance(QueuedRtt);
            next += 100;
            bench.Inject(Ack(next));
            expected.AddSample(QueuedRtt);
        }
        Assert.Empty(bench.Drain());
        Assert.Equal(expected.SmoothedRtt, connection.SmoothedRttMicroseconds);
        Assert.Equal(expected.CurrentRto, connection.RetransmissionTimeoutMicroseconds);
        return (bench, connection, expected, next);
    }

    private static Segment Ack(uint ack) => new() { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = ack, Window = 65535 };

    private static List<Segment> DataSegments(TcpTestBench bench) => bench.Drain().Where(s => s.Payload.Length > 0).ToList();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AReplyAcknowledgedAfterRfc6298sTimeoutButBeforeLinuxsDrawsNoProbe(bool minRtoBoundsVariance)
    {
        (TcpTestBench bench, TcpConnection connection, RtoEstimator expected, uint next) = Exchanged(minRtoBoundsVariance);
        long srtt = expected.SmoothedRtt;
        long linuxRto = srtt + Math.Max(4 * expected.RttVariance, expected.MinRto);
        // The queue-inflated RTT: SRTT near 90 ms, little variance. RFC 6298's RTO is the 200 ms floor; Linux's (the
        // default) is SRTT + 200 ms, and the probe (2 SRTT + 200 ms with one segment in flight) is capped there. Under
        // RFC 6298's formula the probe still waits for Linux's RTO, and holds the earlier timeout back with it.
        Assert.Equal(minRtoBoundsVariance ? linuxRto : expected.MinRto, connection.RetransmissionTimeoutMicroseconds);
        Assert.True(linuxRto > expected.MinRto + 80_000);
        Assert.True(2 * srtt + 200_000 > linuxRto);

        bench.WriteAndFlush(connection, Peer.Data(100, 99));
        Assert.Single(bench.Drain());
        // Past the RFC's RTO, before Linux's: neither a probe nor a timeout.
        bench.Advance(linuxRto - 1);
        Assert.Empty(DataSegments(bench));
        bench.Inject(Ack(next + 100));
        bench.Advance(linuxRto);
        Assert.Empty(DataSegments(bench));
        Assert.Equal(0, bench.Engine.Statistics.TailLossProbes);
        Assert.Equal(0, bench.Engine.Statistics.RetransmitTimeouts);
    }

    [Fact]
    public void WithOneSegmentInFlightTheProbeFiresAtLinuxsTimeoutAndTheTimeoutFollowsIt()
    {
        (TcpTestBench bench, TcpConnection connection, RtoEstimator expected, uint next) = Exchanged();
        long linuxRto = expected.SmoothedRtt + Math.Max(4 * expected.RttVariance, expected.MinRto);
        int window = connection.CongestionWindow;

        bench.WriteAndFlush(connection, Peer.Data(100, 99));
        Assert.Single(bench.Drain());
        bench.Advance(linuxRto - 1);
        Assert.Empty(DataSegments(bench));
        bench.Advance(1);
        Segment probe = Assert.Single(DataSegments(bench));
        Assert.Equal(next, probe.Seq);
        Assert.Equal(1, bench.Engine.Statistics.TailLossProbes);
        Assert.Equal(0, bench.Engine.Statistics.RetransmitTimeouts);
        Assert.Equal(window, connection.CongestionWindow);

        // No answer to the probe either: the timeout, armed when the probe went out, fires one RTO later.
        long rto = connection.RetransmissionTimeoutMicroseconds;
        bench.Advance(rto - 1);
        Assert.Empty(DataSegments(bench));
        Assert.Equal(0, bench.Engine.Statistics.RetransmitTimeouts);
        bench.Advance(1);
        Assert.Single(DataSegments(bench));
        Assert.Equal(1, bench.Engine.Statistics.RetransmitTimeouts);
    }

    [Fact]
    public void WithSeveralSegmentsInFlightTheProbeStillFiresAtTwiceSrtt()
    {
        (TcpTestBench bench, TcpConnection connection, RtoEstimator expected, uint next) = Exchanged();
        long pto = 2 * expected.SmoothedRtt + 2 * RtoEstimator.GranularityMicros;
        Assert.True(pto < expected.SmoothedRtt + Math.Max(4 * expected.RttVariance, expected.MinRto));

        bench.WriteAndFlush(connection, Peer.Data(3 * Mss, 99));
        Assert.Equal(3, DataSegments(bench).Count);
        bench.Advance(pto - 1);
        Assert.Empty(DataSegments(bench));
        bench.Advance(1);
        Segment probe = Assert.Single(DataSegments(bench));
        Assert.Equal(next + 2 * Mss, probe.Seq);
        Assert.Equal(1, bench.Engine.Statistics.TailLossProbes);
    }
}
