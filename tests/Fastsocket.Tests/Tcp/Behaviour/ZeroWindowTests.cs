using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>Zero windows: the persist timer on the send side (RFC 9293 3.8.6.1) and window advertisement on the receive side.</summary>
public class ZeroWindowTests
{
    private const uint PeerIss = 1000;

    private static Segment PeerAck(uint ack, ushort window) => new() { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = ack, Window = window };

    [Theory]
    [DesignData]
    public void ClosedWindowIsProbedWithOneByteWithBackoffAndDataFlowsWhenItOpens(BenchDesign design)
    {
        var bench = new TcpTestBench(design, new TcpConfig { ZeroWindowProbeSendsData = true });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, window: 0);
        Assert.Equal(0, connection.SendWindow);
        long rto = connection.RetransmissionTimeoutMicroseconds;
        Assert.Equal(200_000, rto);
        byte[] data = Peer.Data(3000);
        bench.WriteAndFlush(connection, data);
        bench.ExpectNothing();

        long interval = rto;
        for (int i = 0; i < 5; i++)
        {
            bench.Advance(interval - 1);
            bench.ExpectNothing();
            bench.Advance(1);
            Segment probe = bench.Expect(Seq(iss + 1));
            Assert.Equal(new[] { data[0] }, probe.Payload);
            bench.ExpectNothing();
            // The peer still has no room: it answers with the same ACK and a zero window. These are not
            // duplicate ACKs that signal loss, so no fast retransmit may push data into the closed window.
            bench.Inject(PeerAck(iss + 1, 0));
            bench.ExpectNothing();
            interval *= 2;
        }
        Assert.Equal(0, bench.Engine.Statistics.FastRetransmits);

        // The window opens: data flows at once, from the first unacknowledged byte.
        bench.Inject(PeerAck(iss + 1, 65535));
        List<Segment> sent = bench.Drain();
        Assert.Equal(2, sent.Count);
        Assert.Equal(iss + 1, sent[0].Seq);
        Assert.Equal(data.AsSpan(0, 1460).ToArray(), sent[0].Payload);
        Assert.Equal(iss + 1461, sent[1].Seq);
        Assert.Equal(1460, sent[1].Payload.Length);
        // The 80-byte tail waits for an ACK (Nagle), then follows.
        bench.Inject(PeerAck(iss + 2921, 65535));
        Segment tail = bench.Expect(Seq(iss + 2921));
        Assert.Equal(data.AsSpan(2920).ToArray(), tail.Payload);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void ByDefaultTheClosedWindowIsProbedAsLinuxDoesWithAnEmptySegmentBelowSndUna(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, window: 0);
        byte[] data = Peer.Data(3000);
        bench.WriteAndFlush(connection, data);
        bench.ExpectNothing();

        long interval = connection.RetransmissionTimeoutMicroseconds;
        for (int i = 0; i < 3; i++)
        {
            bench.Advance(interval - 1);
            bench.ExpectNothing();
            bench.Advance(1);
            // slow-start-after-win-update.pkt: "> . 26000:26000(0)", an old sequence number and no data.
            bench.Expect(Flags(TcpFlags.Ack), Seq(iss), NoPayload);
            bench.ExpectNothing();
            bench.Inject(PeerAck(iss + 1, 0));
            bench.ExpectNothing();
            interval *= 2;
        }
        Assert.Equal(0, bench.Engine.Statistics.FastRetransmits);

        // The window opens: nothing of the data was taken, so all of it flows from the first byte.
        bench.Inject(PeerAck(iss + 1, 65535));
        List<Segment> sent = bench.Drain();
        Assert.Equal(2, sent.Count);
        Assert.Equal(iss + 1, sent[0].Seq);
        Assert.Equal(data.AsSpan(0, 1460).ToArray(), sent[0].Payload);
    }

    [Theory]
    [DesignData]
    public void ProbeByteTakenByThePeerIsNotSentAgain(BenchDesign design)
    {
        var bench = new TcpTestBench(design, new TcpConfig { ZeroWindowProbeSendsData = true });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, window: 0);
        byte[] data = Peer.Data(100);
        bench.WriteAndFlush(connection, data);
        bench.Advance(200_000);
        Assert.Single(bench.Expect().Payload);
        // The peer accepts the byte and opens its window.
        bench.Inject(PeerAck(iss + 2, 65535));
        Segment rest = bench.Expect(Seq(iss + 2));
        Assert.Equal(data.AsSpan(1).ToArray(), rest.Payload);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void OurWindowClosesWhenTheApplicationDoesNotReadAndReopensWithAnUpdate(BenchDesign design)
    {
        var bench = new TcpTestBench(design, new TcpConfig { ReceiveBufferSize = 4000 });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        uint next = PeerIss + 1;
        int[] sizes = [1460, 1460, 1080];
        var acks = new List<Segment>();
        foreach (int size in sizes)
        {
            bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = next, Ack = iss + 1, Payload = Peer.Data(size) });
            next += (uint)size;
            acks.AddRange(bench.Drain());
        }
        bench.Advance(40_000);
        acks.AddRange(bench.Drain());
        Segment last = acks[^1];
        Assert.Equal(next, last.Ack);
        Assert.Equal(0, last.Window);
        Assert.Equal(4000, connection.Readable);

        // A zero-window probe from the peer is answered, its byte not taken.
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = next, Ack = iss + 1, Payload = [42] });
        bench.Expect(Ack(next), Window(0));
        Assert.Equal(4000, connection.Readable);

        // The application reads: a window update goes out without waiting for more data.
        var buffer = new byte[4000];
        Assert.Equal(4000, connection.Read(buffer));
        bench.Engine.FlushPending();
        bench.Expect(Flags(TcpFlags.Ack), Ack(next), Window(4000));
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void AWindowUpdateAfterAZeroWindowIsRepeatedUntilDataArrives(BenchDesign design)
    {
        var bench = new TcpTestBench(design, new TcpConfig { ReceiveBufferSize = 4000 });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        uint next = PeerIss + 1;
        foreach (int size in new[] { 1460, 1460, 1080 })
        {
            bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = next, Ack = iss + 1, Payload = Peer.Data(size) });
            next += (uint)size;
        }
        bench.Advance(40_000);
        bench.Drain();
        Assert.Equal(4000, connection.Read(new byte[4000]));
        bench.Engine.FlushPending();
        Assert.Equal(4000, bench.Expect().Window);
        bench.ExpectNothing();

        // The update may have been lost, and the peer's persist timer backs off towards minutes: repeat it after
        // an RTO (1 s: no RTT sample yet) ...
        bench.Advance(1_000_000);
        bench.Expect(Flags(TcpFlags.Ack), Ack(next), Window(4000));

        // ... until data shows the peer has seen it.
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = next, Ack = iss + 1, Payload = Peer.Data(100) });
        bench.Advance(40_000);
        bench.Drain();
        bench.Advance(10_000_000);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void SmallReadsDoNotSendTinyWindowUpdates(BenchDesign design)
    {
        var bench = new TcpTestBench(design, new TcpConfig { ReceiveBufferSize = 4000 });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = iss + 1, Payload = Peer.Data(1460) });
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1461, Ack = iss + 1, Payload = Peer.Data(1460) });
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 2921, Ack = iss + 1, Payload = Peer.Data(1080) });
        bench.Advance(40_000);
        Assert.Equal(0, bench.Drain()[^1].Window);
        // Receiver SWS avoidance (RFC 9293 3.8.6.2.2): 100 freed bytes are not worth an update.
        Assert.Equal(100, connection.Read(new byte[100]));
        bench.Engine.FlushPending();
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void WindowTooSmallForSwsAvoidanceIsUsedWhenTheOverrideTimerExpires(BenchDesign design)
    {
        // RFC 9293 3.8.6.2.1: the sender holds back a segment smaller than half the largest window, but only
        // until an override timeout; otherwise a small window with nothing in flight would stall for ever.
        var bench = new TcpTestBench(design);
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        bench.Inject(PeerAck(iss + 1, 100));
        Assert.Equal(100, connection.SendWindow);
        byte[] data = Peer.Data(3000);
        bench.WriteAndFlush(connection, data);
        bench.ExpectNothing();
        bench.Advance(200_000);
        Segment sent = bench.Expect(Seq(iss + 1));
        Assert.Equal(data.AsSpan(0, 100).ToArray(), sent.Payload);
        bench.ExpectNothing();
    }
}
