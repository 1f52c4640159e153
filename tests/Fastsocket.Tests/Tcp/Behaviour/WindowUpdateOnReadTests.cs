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
        var bench = new TcpTestBench(design, new TcpConfig { ReceiveBufferSize = Buffer });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        uint next = Receive(bench, iss, segments: 20);
        // 29,200 bytes buffered: the peer may still send 30,800, more than half of the 60,000 we could offer.

        Assert.Equal(29_200, connection.Read(new byte[Buffer]));
        bench.Engine.FlushPending();

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
        var bench = new TcpTestBench(design, new TcpConfig { ReceiveBufferSize = Buffer });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        uint next = Receive(bench, iss, segments: 35);
        // 51,100 bytes buffered: the peer has 8,900 left, under half of what we can offer once the read frees them.

        Assert.Equal(51_100, connection.Read(new byte[Buffer]));
        bench.Engine.FlushPending();

        bench.Expect(Flags(TcpFlags.Ack), Ack(next), Window(Buffer));
        bench.ExpectNothing();
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
