using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// The right edge of our receive window and the peer's segments that arrive at it. A peer that has sent up to an
/// edge we announced must stay able to acknowledge our data: the lossy interop echo stalled for minutes when a scaled
/// window, rounded down, pulled the edge 20 bytes behind what the kernel had already sent. We dropped those bytes and
/// every later ACK of the kernel (SEG.SEQ = its SND.NXT, beyond our now zero window) as out of window, so our send
/// buffer never drained, the echo never read again, and only the kernel's backed-off retransmissions moved anything.
/// </summary>
public class WindowRightEdgeTests
{
    private const uint PeerIss = 1000;
    private const int PeerSegment = 1448;   // the kernel's payload with timestamps; not a multiple of 2^shift
    private const int ReceiveBuffer = 1 << 20;
    private const int OurShift = 5;         // 1 MiB >> 5 fits the 16-bit field

    [Fact]
    public void APeerThatSentUpToAScaledEdgeWeAnnouncedIsHeardAndItsBytesAreKept()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { ReceiveBufferSize = ReceiveBuffer, SendBufferSize = ReceiveBuffer });
        var syn = new TcpOptions { HasMss = true, Mss = 1460, HasWindowScale = true, WindowScale = 7 };
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, syn);
        Assert.True(connection.WindowScalingEnabled);
        Assert.Equal(OurShift, connection.ReceiveWindowShift);

        // We have data outstanding that the peer acknowledges at the end.
        bench.WriteAndFlush(connection, Peer.Data(2920));
        Assert.Equal(2, bench.Drain().Count);
        uint ourNext = iss + 2921;

        // The peer fills our window while the application reads nothing. Like a real sender with data in flight, it
        // sends a whole burst up to the edge it last learned and only then sees the ACKs that burst produced (so it
        // has sent up to an edge that those ACKs may already announce short of). It takes the newest window, as
        // Linux does.
        uint peerStart = PeerIss + 1;
        uint peerNext = peerStart;
        uint learnedEdge = peerNext + 65535;   // the SYN-ACK's window is never scaled
        for (int burst = 0; burst < 200 && (int)(learnedEdge - peerNext) > 0; burst++)
        {
            while ((int)(learnedEdge - peerNext) > 0)
            {
                int length = Math.Min(PeerSegment, (int)(learnedEdge - peerNext));
                bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = peerNext, Ack = iss + 1, Window = 1000, Payload = Peer.Data(length) });
                peerNext += (uint)length;
            }
            bench.Advance(40_000);   // the delayed ACK of an odd last segment
            foreach (Segment ack in bench.Drain())
            {
                learnedEdge = ack.Ack + ((uint)ack.Window << OurShift);
                Assert.True(learnedEdge - peerStart <= ReceiveBuffer, $"{ack} offers room beyond the receive buffer");
            }
        }
        Assert.True(peerNext - peerStart > ReceiveBuffer - (1 << OurShift), $"the peer filled only {peerNext - peerStart} bytes");

        // Its next segment is a pure ACK of our data at SEG.SEQ = its SND.NXT. It must be processed: it is the only
        // way our send buffer drains, and with it the application's way back to reading.
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = peerNext, Ack = ourNext, Window = 1000 });
        Assert.Equal(0, bench.Engine.Statistics.Drops[DropReason.TcpOutOfWindow]);
        Assert.Equal(0, connection.Unacknowledged);

        // And every byte it sent was taken: none lay beyond an edge we had announced.
        Assert.Equal((int)(peerNext - peerStart), connection.Readable);
    }

    [Fact]
    public void AnAckAtTheRightEdgeIsProcessedWhileALossKeepsReceiveNextBelowIt()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { ReceiveBufferSize = 4000 });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        bench.WriteAndFlush(connection, Peer.Data(1000));
        Assert.Equal(1000, bench.Expect().Payload.Length);

        // The peer fills our 4000-byte window, but its first segment is lost: RCV.NXT stays at the start while
        // the rest is held out of order up to the right edge.
        uint next = PeerIss + 1;
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = next + 1460, Ack = iss + 1, Payload = Peer.Data(1460) });
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = next + 2920, Ack = iss + 1, Payload = Peer.Data(1080) });
        bench.Drain();
        Assert.Equal(0, connection.Readable);

        // Its ACK of our data carries SEG.SEQ = its SND.NXT = our right edge.
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = next + 4000, Ack = iss + 1001 });
        Assert.Equal(0, bench.Engine.Statistics.Drops[DropReason.TcpOutOfWindow]);
        Assert.Equal(0, connection.Unacknowledged);

        // One past the edge is still out of window, and answered with an ACK.
        bench.Drain();
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = next + 4001, Ack = iss + 1001 });
        Assert.Equal(1, bench.Engine.Statistics.Drops[DropReason.TcpOutOfWindow]);
        Assert.Equal(next, bench.Expect().Ack);
    }
}
