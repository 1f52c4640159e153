using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// A read that frees buffer space sends a bare window update only while the peer may be held back by the window it
/// has (Linux's tcp_cleanup_rbuf rule): not while more than half of min(our offer, 64 KiB) is still open to it, since
/// the ACK of its next data carries the new edge anyway.
/// </summary>
public class WindowUpdateOnReadTests
{
    private const uint PeerIss = 1000;
    private const int Buffer = 60_000;

    [Theory]
    [DesignData]
    public void AReadLeavingThePeerMoreThanHalfItsWindowSendsNothing(BenchDesign design)
    {
        // 29,200 bytes buffered: the peer may still send 30,800, more than half of the 60,000 we could offer.
        (TcpTestBench bench, uint iss, uint next) = ReceiveThenReadAll(design, segments: 20, buffered: 29_200);

        bench.ExpectNothing();
        // The next data is acknowledged with the reopened window.
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = next, Ack = iss + 1, Payload = Peer.Data(1460) });
        bench.Advance(40_000);
        Assert.Equal(Buffer - 1460, bench.Drain()[^1].Window);
    }

    [Theory]
    [DesignData]
    public void AReadReopeningANearlyClosedWindowSendsAnUpdate(BenchDesign design)
    {
        // 51,100 bytes buffered: the peer has 8,900 left, under half of what we can offer once the read frees them.
        (TcpTestBench bench, _, uint next) = ReceiveThenReadAll(design, segments: 35, buffered: 51_100);

        bench.Expect(Flags(TcpFlags.Ack), Ack(next), Window(Buffer));
        bench.ExpectNothing();
    }

    /// <summary>A connection that received <paramref name="segments"/> full segments, then an application read of all of them.</summary>
    private static (TcpTestBench Bench, uint Iss, uint Next) ReceiveThenReadAll(BenchDesign design, int segments, int buffered)
    {
        var bench = new TcpTestBench(design, new TcpConfig { ReceiveBufferSize = Buffer });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        uint next = Receive(bench, iss, segments);
        Assert.Equal(buffered, connection.Read(new byte[Buffer]));
        bench.Engine.FlushPending();
        return (bench, iss, next);
    }

    private static uint Receive(TcpTestBench bench, uint iss, int segments)
    {
        uint next = PeerIss + 1;
        for (int i = 0; i < segments; i++)
        {
            bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = next, Ack = iss + 1, Payload = Peer.Data(1460) });
            next += 1460;
        }
        bench.Advance(40_000);
        bench.Drain();
        return next;
    }
}
