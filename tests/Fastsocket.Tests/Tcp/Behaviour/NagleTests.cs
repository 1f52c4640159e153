using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>Nagle's algorithm (RFC 896, RFC 9293 3.7.4) and TCP_NODELAY.</summary>
public class NagleTests
{
    [Theory]
    [DesignData]
    public void SecondSmallWriteWaitsForTheAckWhenNagleIsOn(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(1000);
        Assert.False(connection.NoDelay);
        bench.WriteAndFlush(connection, Peer.Data(10));
        bench.Expect(PayloadLength(10));
        bench.WriteAndFlush(connection, Peer.Data(20));
        bench.ExpectNothing();
        bench.Advance(30_000);
        bench.ExpectNothing();
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = 1001, Ack = iss + 11 });
        bench.Expect(Seq(iss + 11), PayloadLength(20));
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void SmallWritesCoalesceWhileWaiting(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(1000);
        bench.WriteAndFlush(connection, Peer.Data(10));
        bench.Expect();
        bench.WriteAndFlush(connection, Peer.Data(20));
        bench.WriteAndFlush(connection, Peer.Data(30));
        bench.ExpectNothing();
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = 1001, Ack = iss + 11 });
        Assert.Equal(50, bench.Expect().Payload.Length);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void NoDelaySendsBothAtOnce(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(1000);
        connection.NoDelay = true;
        bench.WriteAndFlush(connection, Peer.Data(10));
        bench.WriteAndFlush(connection, Peer.Data(20));
        List<Segment> sent = bench.Drain();
        Assert.Equal(2, sent.Count);
        Assert.Equal(iss + 1, sent[0].Seq);
        Assert.Equal(10, sent[0].Payload.Length);
        Assert.Equal(iss + 11, sent[1].Seq);
        Assert.Equal(20, sent[1].Payload.Length);
    }

    [Theory]
    [DesignData]
    public void NoDelayFromConfigIsTheDefault(BenchDesign design)
    {
        var bench = new TcpTestBench(design, new TcpConfig { NoDelay = true });
        (TcpConnection connection, _) = bench.PassiveEstablished(1000);
        Assert.True(connection.NoDelay);
    }

    [Theory]
    [DesignData]
    public void FullSegmentsAreNotHeldByNagle(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (TcpConnection connection, _) = bench.PassiveEstablished(1000);
        bench.WriteAndFlush(connection, Peer.Data(10));
        bench.Expect();
        bench.WriteAndFlush(connection, Peer.Data(1460 + 5));
        // The full segment leaves; the 5-byte tail waits.
        List<Segment> sent = bench.Drain();
        Assert.Single(sent);
        Assert.Equal(1460, sent[0].Payload.Length);
    }
}
