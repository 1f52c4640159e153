using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>RFC 6298: the retransmission timer, its backoff, Karn's algorithm, and giving up.</summary>
public class RetransmissionTimerTests
{
    /// <summary>RFC 6298 2.2/2.3 in the same integer microsecond arithmetic, as an independent model.</summary>
    private sealed class RttModel(long minRto, long maxRto)
    {
        public long Srtt { get; private set; }
        public long RttVar { get; private set; }
        private bool _has;

        public void Add(long r)
        {
            if (!_has)
            {
                Srtt = r;
                RttVar = r / 2;
                _has = true;
                return;
            }
            RttVar = (3 * RttVar + Math.Abs(Srtt - r)) / 4;
            Srtt = (7 * Srtt + r) / 8;
        }

        public long Rto => Math.Clamp(Srtt + Math.Max(1_000, 4 * RttVar), minRto, maxRto);
    }

    [Theory]
    [DesignData(2)]
    [DesignData(6)]
    public void SynIsRetransmittedAtOneTwoFourSecondsThenConnectTimesOut(BenchDesign design, int maxRetries)
    {
        var bench = new TcpTestBench(design, new TcpConfig { MaxSynRetransmissions = maxRetries });
        (TcpConnection connection, Segment syn) = bench.ActiveSynSent();
        long interval = 1_000_000;
        for (int i = 0; i < maxRetries; i++)
        {
            bench.Advance(interval - 1);
            bench.ExpectNothing();
            bench.Advance(1);
            Segment again = bench.Expect(Flags(TcpFlags.Syn), Seq(syn.Seq));
            Assert.Equal(syn.Options.Mss, again.Options.Mss);
            bench.ExpectNothing();
            interval *= 2;
        }
        bench.Advance(interval - 1);
        bench.ExpectNothing();
        Assert.Null(bench.Handler.ConnectResult);
        Assert.Equal(TcpState.SynSent, connection.State);
        bench.Advance(1);
        bench.ExpectNothing();
        Assert.Equal(SocketError.TimedOut, bench.Handler.ConnectResult);
        Assert.Equal(TcpState.Closed, connection.State);
        Assert.Equal(0, bench.Engine.ConnectionCount);
        Assert.Equal(1, bench.Engine.Statistics.ConnectionsTimedOut);
    }

    [Theory]
    [DesignData]
    public void SynAckIsRetransmittedWithBackoffAndTheHalfOpenConnectionIsDropped(BenchDesign design)
    {
        var bench = new TcpTestBench(design, new TcpConfig { MaxSynRetransmissions = 3 });
        Segment synAck = bench.PassiveSynReceived(1000, Peer.Mss());
        long interval = 1_000_000;
        for (int i = 0; i < 3; i++)
        {
            bench.Advance(interval - 1);
            bench.ExpectNothing();
            bench.Advance(1);
            bench.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack), Seq(synAck.Seq), Ack(1001u));
            interval *= 2;
        }
        bench.Advance(interval);
        bench.ExpectNothing();
        Assert.Equal(0, bench.Engine.ConnectionCount);
        Assert.Equal(0, bench.Handler.Listener?.HalfOpenCount ?? 0);
    }

    [Theory]
    [DesignData]
    public void DataRtoFollowsRttSamples(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        var model = new RttModel(200_000, 120_000_000);
        // The SYN is timed: its SYN-ACK after 100 ms is the first sample (SRTT 100 ms, RTTVAR 50 ms, RTO 300 ms).
        (TcpConnection connection, Segment syn, _) = bench.ActiveEstablished(Peer.Mss(), rttMicros: 100_000);
        model.Add(100_000);
        Assert.Equal(100_000, connection.SmoothedRttMicroseconds);
        Assert.Equal(300_000, connection.RetransmissionTimeoutMicroseconds);

        uint next = syn.Seq + 1;
        foreach (long rtt in new long[] { 50_000, 180_000, 60_000 })
        {
            bench.WriteAndFlush(connection, Peer.Data(100));
            bench.Expect(Seq(next));
            bench.Advance(rtt);
            next += 100;
            bench.InjectActive(new Segment { Flags = TcpFlags.Ack, Seq = Peer.PeerIss + 1, Ack = next });
            bench.ExpectNothing();
            model.Add(rtt);
            Assert.Equal(model.Srtt, connection.SmoothedRttMicroseconds);
            Assert.Equal(model.Rto, connection.RetransmissionTimeoutMicroseconds);
        }

        // The next segment is retransmitted exactly one RTO after it was sent.
        long rto = model.Rto;
        Assert.True(rto > 200_000);
        bench.WriteAndFlush(connection, Peer.Data(100, 1));
        Segment sent = bench.Expect();
        bench.Advance(rto - 1);
        bench.ExpectNothing();
        bench.Advance(1);
        Segment resent = bench.Expect(Seq(sent.Seq));
        Assert.Equal(sent.Payload, resent.Payload);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void SmallRttSamplesAreClampedToMinRto(BenchDesign design)
    {
        var bench = new TcpTestBench(design, new TcpConfig { MinRtoBoundsVariance = false });
        (TcpConnection connection, _, _) = bench.ActiveEstablished(Peer.Mss(), rttMicros: 1_000);
        Assert.Equal(1_000, connection.SmoothedRttMicroseconds);
        Assert.Equal(200_000, connection.RetransmissionTimeoutMicroseconds);
        bench.WriteAndFlush(connection, Peer.Data(10));
        bench.Expect();
        bench.Advance(199_999);
        bench.ExpectNothing();
        bench.Advance(1);
        Assert.Equal(10, bench.Expect().Payload.Length);
    }

    [Theory]
    [DesignData]
    public void ByDefaultMinRtoBoundsTheVarianceTermAsLinuxDoes(BenchDesign design)
    {
        // Linux's RTO is SRTT + max(4 * RTTVAR, tcp_rto_min): a 1 ms path waits 201 ms, not RFC 6298's clamped 200 ms
        // (and a 100 ms path with a steady RTT 300 ms, which slow-start-after-win-update.pkt's probes time).
        var bench = new TcpTestBench(design);
        (TcpConnection connection, _, _) = bench.ActiveEstablished(Peer.Mss(), rttMicros: 1_000);
        Assert.Equal(1_000, connection.SmoothedRttMicroseconds);
        Assert.Equal(201_000, connection.RetransmissionTimeoutMicroseconds);
        bench.WriteAndFlush(connection, Peer.Data(10));
        bench.Expect();
        bench.Advance(200_999);
        bench.ExpectNothing();
        bench.Advance(1);
        Assert.Equal(10, bench.Expect().Payload.Length);
    }

    [Theory]
    [DesignData]
    public void ClockGranularityBoundsTheVarianceTerm(BenchDesign design)
    {
        // With a tiny MinRto the RTO is SRTT + max(G, 4*RTTVAR): identical samples shrink RTTVAR until G (1 ms) wins.
        var config = new TcpConfig { MinRtoMicroseconds = 1, MinRtoBoundsVariance = false };
        var bench = new TcpTestBench(design, config);
        var model = new RttModel(1, config.MaxRtoMicroseconds);
        (TcpConnection connection, Segment syn, _) = bench.ActiveEstablished(Peer.Mss(), rttMicros: 8_000);
        model.Add(8_000);
        uint next = syn.Seq + 1;
        for (int i = 0; i < 30; i++)
        {
            bench.WriteAndFlush(connection, Peer.Data(10));
            bench.Expect();
            bench.Advance(8_000);
            next += 10;
            bench.InjectActive(new Segment { Flags = TcpFlags.Ack, Seq = Peer.PeerIss + 1, Ack = next });
            model.Add(8_000);
            Assert.Equal(model.Rto, connection.RetransmissionTimeoutMicroseconds);
        }
        Assert.Equal(8_000 + 1_000, connection.RetransmissionTimeoutMicroseconds);
    }

    [Theory]
    [DesignData]
    public void DataRetransmissionsBackOffExponentiallyUpToMaxRtoThenTimeOut(BenchDesign design)
    {
        var config = new TcpConfig { MaxRtoMicroseconds = 3_000_000, MaxDataRetransmissions = 6, MinRtoBoundsVariance = false };
        var bench = new TcpTestBench(design, config);
        (TcpConnection connection, Segment syn, _) = bench.ActiveEstablished(Peer.Mss(), rttMicros: 1_000);
        bench.WriteAndFlush(connection, Peer.Data(100));
        Segment first = bench.Expect();
        long[] intervals = [200_000, 400_000, 800_000, 1_600_000, 3_000_000, 3_000_000];
        foreach (long interval in intervals)
        {
            bench.Advance(interval - 1);
            bench.ExpectNothing();
            bench.Advance(1);
            Segment again = bench.Expect(Seq(syn.Seq + 1));
            Assert.Equal(first.Payload, again.Payload);
            bench.ExpectNothing();
        }
        bench.Advance(3_000_000 - 1);
        bench.ExpectNothing();
        Assert.Null(bench.Handler.CloseResult);
        bench.Advance(1);
        Assert.Equal(SocketError.TimedOut, bench.Handler.CloseResult);
        Assert.Equal(SocketError.TimedOut, connection.Error);
        Assert.Equal(TcpState.Closed, connection.State);
        Assert.Equal(0, bench.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData]
    public void KarnNoSampleFromARetransmittedSegmentAndTheBackoffIsKept(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        var model = new RttModel(200_000, 120_000_000);
        (TcpConnection connection, Segment syn, _) = bench.ActiveEstablished(Peer.Mss(), rttMicros: 100_000);
        model.Add(100_000);
        Assert.False(connection.TimestampsEnabled);
        bench.WriteAndFlush(connection, Peer.Data(100));
        bench.Expect();
        bench.Advance(300_000);
        bench.Expect();
        // The ACK is ambiguous (first transmission 310 ms ago, retransmission 10 ms ago): no sample.
        bench.Advance(10_000);
        bench.InjectActive(new Segment { Flags = TcpFlags.Ack, Seq = Peer.PeerIss + 1, Ack = syn.Seq + 101 });
        Assert.Equal(100_000, connection.SmoothedRttMicroseconds);
        // RFC 6298 5.5/Karn: the backed-off RTO stays until a valid sample arrives.
        Assert.Equal(600_000, connection.RetransmissionTimeoutMicroseconds);

        // New data, not retransmitted, gives a valid sample and collapses the RTO.
        bench.WriteAndFlush(connection, Peer.Data(100));
        bench.Expect();
        bench.Advance(40_000);
        bench.InjectActive(new Segment { Flags = TcpFlags.Ack, Seq = Peer.PeerIss + 1, Ack = syn.Seq + 201 });
        model.Add(40_000);
        Assert.Equal(model.Srtt, connection.SmoothedRttMicroseconds);
        Assert.Equal(model.Rto, connection.RetransmissionTimeoutMicroseconds);
    }

    [Theory]
    [DesignData]
    public void KarnNoSampleFromARetransmittedSyn(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (TcpConnection connection, Segment syn) = bench.ActiveSynSent();
        bench.Advance(1_000_000);
        Assert.Equal(TcpFlags.Syn, bench.Expect().Flags);
        bench.Advance(50_000);
        bench.InjectActive(new Segment { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = Peer.PeerIss, Ack = syn.Seq + 1, Options = Peer.Mss() });
        Assert.Equal(TcpFlags.Ack, bench.Expect().Flags);
        Assert.Equal(TcpState.Established, connection.State);
        Assert.Equal(0, connection.SmoothedRttMicroseconds);
    }

    [Theory]
    [DesignData]
    public void AfterASynTimeoutWithoutRttSampleDataUsesThreeSecondRto(BenchDesign design)
    {
        // RFC 6298 5.7: the SYN timed out and no RTT sample exists, so data starts with RTO = 3 s.
        var bench = new TcpTestBench(design);
        (TcpConnection connection, Segment syn) = bench.ActiveSynSent();
        bench.Advance(1_000_000);
        bench.Expect();
        bench.Advance(50_000);
        bench.InjectActive(new Segment { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = Peer.PeerIss, Ack = syn.Seq + 1, Options = Peer.Mss() });
        bench.Expect();
        Assert.Equal(3_000_000, connection.RetransmissionTimeoutMicroseconds);
        bench.WriteAndFlush(connection, Peer.Data(100));
        bench.Expect();
        bench.Advance(3_000_000 - 1);
        bench.ExpectNothing();
        bench.Advance(1);
        Assert.Equal(syn.Seq + 1, bench.Expect().Seq);
    }

    [Theory]
    [DesignData]
    public void AfterASynAckTimeoutWithoutRttSamplePassiveDataUsesThreeSecondRto(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        Segment synAck = bench.PassiveSynReceived(1000, Peer.Mss());
        bench.Advance(1_000_000);
        Assert.Equal(synAck.Seq, bench.Expect().Seq);
        bench.Advance(20_000);
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = 1001, Ack = synAck.Seq + 1 });
        Assert.True(bench.Handler.Listener!.TryAccept(out TcpConnection? connection));
        Assert.Equal(3_000_000, connection!.RetransmissionTimeoutMicroseconds);
    }

    [Theory]
    [DesignData]
    public void TimestampsGiveRttSamplesEvenFromRetransmittedSegments(BenchDesign design)
    {
        // RFC 7323 4.1: TSecr identifies the transmission, so the retransmission ambiguity of Karn's rule is gone.
        var bench = new TcpTestBench(design, new TcpConfig { MinRtoBoundsVariance = false });
        var synAckOptions = new TcpOptions { HasMss = true, Mss = 1460, HasTimestamps = true, TsVal = 1 };
        (TcpConnection connection, Segment syn) = bench.ActiveSynSent();
        synAckOptions.TsEcr = syn.Options.TsVal;
        bench.Advance(80_000);
        bench.InjectActive(new Segment { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = Peer.PeerIss, Ack = syn.Seq + 1, Options = synAckOptions });
        bench.Expect();
        Assert.Equal(80_000, connection.SmoothedRttMicroseconds);
        Assert.Equal(80_000 + 4 * 40_000, connection.RetransmissionTimeoutMicroseconds);

        bench.WriteAndFlush(connection, Peer.Data(100));
        bench.Expect();
        bench.Advance(240_000);
        Segment resent = bench.Expect(Seq(syn.Seq + 1));
        bench.Advance(40_000);
        bench.InjectActive(new Segment
        {
            Flags = TcpFlags.Ack,
            Seq = Peer.PeerIss + 1,
            Ack = syn.Seq + 101,
            Options = new TcpOptions { HasTimestamps = true, TsVal = 2, TsEcr = resent.Options.TsVal },
        });
        // Sample 40 ms: RTTVAR = (3*40 + 40)/4 = 40 ms, SRTT = (7*80 + 40)/8 = 75 ms.
        Assert.Equal(75_000, connection.SmoothedRttMicroseconds);
        Assert.Equal(75_000 + 4 * 40_000, connection.RetransmissionTimeoutMicroseconds);
    }
}
