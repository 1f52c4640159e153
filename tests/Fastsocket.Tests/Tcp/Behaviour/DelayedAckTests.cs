using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>Delayed ACKs and immediate ACKs for out-of-order data (RFC 5681 4.2, RFC 2018 SACK blocks).</summary>
public class DelayedAckTests
{
    private const int Mss = 1460;
    private const uint PeerIss = 1000;
    private const uint Next = PeerIss + 1;

    private static (TcpTestBench Bench, TcpConnection Connection, uint Iss) Established(BenchDesign design, bool sack = true, int quickAcks = 0)
    {
        // Quick ACKs off unless asked for: most cases here are about the delayed ACK that follows them.
        var bench = new TcpTestBench(design, new TcpConfig { QuickAcks = quickAcks });
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, new TcpOptions { HasMss = true, Mss = Mss, SackPermitted = sack });
        return (bench, connection, iss);
    }

    private static Segment Data(uint seq, uint iss, int length = Mss) =>
        new() { Flags = TcpFlags.Ack, Seq = seq, Ack = iss + 1, Payload = Peer.Data(length, (int)seq) };

    [Theory]
    [DesignData]
    public void OneFullSegmentIsAcknowledgedAfterFortyMilliseconds(BenchDesign design)
    {
        (TcpTestBench bench, _, uint iss) = Established(design);
        bench.Inject(Data(Next, iss));
        bench.ExpectNothing();
        bench.Advance(39_999);
        bench.ExpectNothing();
        bench.Advance(1);
        Segment ack = bench.Expect(Flags(TcpFlags.Ack), Ack(Next + Mss), Seq(iss + 1));
        Assert.Empty(ack.Payload);
        bench.Advance(1_000_000);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void SecondFullSegmentIsAcknowledgedAtOnce(BenchDesign design)
    {
        (TcpTestBench bench, _, uint iss) = Established(design);
        bench.Inject(Data(Next, iss));
        bench.ExpectNothing();
        bench.Advance(10_000);
        bench.Inject(Data(Next + Mss, iss));
        bench.Expect(Ack(Next + 2 * Mss));
        bench.ExpectNothing();
        // The delayed-ACK timer was cancelled by that ACK.
        bench.Advance(100_000);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void OutOfOrderSegmentIsAnsweredAtOnceWithSackBlocksAndFillingTheHoleAcksAtOnce(BenchDesign design)
    {
        (TcpTestBench bench, _, uint iss) = Established(design);
        bench.Inject(Data(Next + Mss, iss));
        Segment dup = bench.Expect(Ack(Next));
        Assert.Equal(1, dup.Options.SackCount);
        Assert.Equal(new SackBlock(Next + Mss, Next + 2 * Mss), dup.Options.Sack[0]);
        bench.ExpectNothing();

        // A second, disjoint range: the most recent block comes first (RFC 2018 4).
        bench.Inject(Data(Next + 3 * Mss, iss));
        Segment dup2 = bench.Expect(Ack(Next));
        Assert.Equal(2, dup2.Options.SackCount);
        Assert.Equal(new SackBlock(Next + 3 * Mss, Next + 4 * Mss), dup2.Options.Sack[0]);
        Assert.Equal(new SackBlock(Next + Mss, Next + 2 * Mss), dup2.Options.Sack[1]);

        // Filling the first hole: an immediate ACK covering the joined range; the other block remains.
        bench.Inject(Data(Next, iss));
        Segment ack = bench.Expect(Ack(Next + 2 * Mss));
        Assert.Equal(1, ack.Options.SackCount);
        Assert.Equal(new SackBlock(Next + 3 * Mss, Next + 4 * Mss), ack.Options.Sack[0]);

        // Filling the last hole: immediate ACK, no SACK blocks left.
        bench.Inject(Data(Next + 2 * Mss, iss));
        Segment last = bench.Expect(Ack(Next + 4 * Mss));
        Assert.Equal(0, last.Options.SackCount);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void OutOfOrderWithoutSackStillAcksAtOnce(BenchDesign design)
    {
        (TcpTestBench bench, _, uint iss) = Established(design, sack: false);
        bench.Inject(Data(Next + Mss, iss));
        Segment dup = bench.Expect(Ack(Next));
        Assert.Equal(0, dup.Options.SackCount);
        bench.Inject(Data(Next, iss));
        Assert.Equal(Next + 2 * Mss, bench.Expect().Ack);
    }

    [Theory]
    [DesignData]
    public void ANewConnectionAcknowledgesItsFirstSegmentsAtOnceThenDelaysAgain(BenchDesign design)
    {
        // Linux's quick-ACK mode at connection start, here two segments long. The first data segment's ACK waits only
        // for the end of the engine's turn (a reply written in that turn would carry it); nobody answers here, so it
        // leaves with the poll that took the segment in, without the delayed-ACK wait.
        (TcpTestBench bench, _, uint iss) = Established(design, quickAcks: 2);
        bench.Inject(Data(Next, iss));
        bench.Expect(Flags(TcpFlags.Ack), Ack(Next + Mss));
        bench.ExpectNothing();
        bench.Advance(100_000);
        bench.ExpectNothing();
        bench.Inject(Data(Next + Mss, iss));
        bench.Expect(Flags(TcpFlags.Ack), Ack(Next + 2 * Mss));
        bench.Advance(100_000);

        // Quick ACKs spent: a lone segment waits for the delayed-ACK timer again.
        bench.Inject(Data(Next + 2 * Mss, iss));
        bench.ExpectNothing();
        bench.Advance(39_999);
        bench.ExpectNothing();
        bench.Advance(1);
        bench.Expect(Flags(TcpFlags.Ack), Ack(Next + 3 * Mss));
    }

    [Theory]
    [DesignData]
    public void ByDefaultTheFirstDataIsAcknowledgedAtOnceWhenTheApplicationDoesNotAnswer(BenchDesign design)
    {
        // As Linux (shutdown-wr-close.pkt, shutdown-rd-wr-close.pkt): no 40 ms wait for the first data of a connection.
        (TcpTestBench bench, _, uint iss) = Established(design, quickAcks: new TcpConfig().QuickAcks);
        bench.Inject(Data(Next, iss, length: 100));
        Segment ack = bench.Expect(Flags(TcpFlags.Ack), Ack(Next + 100), Seq(iss + 1));
        Assert.Empty(ack.Payload);
        bench.Advance(1_000_000);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void AReplyWrittenInTheSameTurnCarriesTheFirstDataAck(BenchDesign design)
    {
        // The server that answers at once: its reply carries the ACK, and no pure ACK goes out before or after it.
        (TcpTestBench bench, TcpConnection connection, uint iss) = Established(design, quickAcks: new TcpConfig().QuickAcks);
        connection.Handler = new ReplyOnce(Peer.Data(100));
        bench.Inject(Data(Next, iss, length: 100));
        bench.Expect(PayloadLength(100), Ack(Next + 100));
        bench.ExpectNothing();
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = Next + 100, Ack = iss + 1 + 100 });
        bench.Advance(1_000_000);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void ByDefaultALoneSecondSegmentIsAcknowledgedAtOnce(BenchDesign design)
    {
        (TcpTestBench bench, _, uint iss) = Established(design, quickAcks: new TcpConfig().QuickAcks);
        bench.Inject(Data(Next, iss));
        bench.Advance(40_000);
        bench.Expect(Flags(TcpFlags.Ack), Ack(Next + Mss));
        bench.Advance(100_000);
        bench.Inject(Data(Next + Mss, iss));
        bench.Expect(Flags(TcpFlags.Ack), Ack(Next + 2 * Mss));
    }

    [Theory]
    [DesignData]
    public void OutOfOrderDataStartsQuickAckModeAgain(BenchDesign design)
    {
        (TcpTestBench bench, _, uint iss) = Established(design, quickAcks: 1);
        bench.Inject(Data(Next, iss));
        bench.Advance(40_000);
        bench.Expect(Ack(Next + Mss));

        // A hole, then its repair: each ACKed at once (RFC 5681 4.2).
        bench.Inject(Data(Next + 2 * Mss, iss));
        bench.Expect(Ack(Next + Mss));
        bench.Inject(Data(Next + Mss, iss));
        bench.Expect(Ack(Next + 3 * Mss));

        // And the reordering put the receiver in quick-ACK mode: the next in-order segment does not wait.
        bench.Advance(100_000);
        bench.Inject(Data(Next + 3 * Mss, iss));
        bench.Expect(Ack(Next + 4 * Mss));
    }

    [Theory]
    [DesignData]
    public void AnInteractiveExchangeLeavesTheAckToTheReply(BenchDesign design)
    {
        (TcpTestBench bench, TcpConnection connection, uint iss) = Established(design, quickAcks: 16);

        // We answer with data in the same turn, which carries the ACK: the exchange is interactive (Linux's pingpong
        // mode), so the next segment's ACK waits too, to ride on the next reply or for the delayed-ACK timer.
        connection.Handler = new ReplyOnce(Peer.Data(100));
        bench.Inject(Data(Next, iss));
        bench.Expect(PayloadLength(100), Ack(Next + Mss));
        bench.ExpectNothing();
        bench.Inject(Data(Next + Mss, iss) with { Ack = iss + 1 + 100 });
        bench.ExpectNothing();
        bench.Advance(40_000);
        bench.Expect(Flags(TcpFlags.Ack), Ack(Next + 2 * Mss));
    }

    /// <summary>
    /// An application that answers the first data, once, from the engine's callback. It leaves the data unread, so
    /// that no window update (an ACK of its own) comes into the picture.
    /// </summary>
    private sealed class ReplyOnce(byte[] reply) : ITcpConnectionHandler
    {
        private bool _replied;

        public void OnReadable(TcpConnection connection)
        {
            if (!_replied)
            {
                _replied = true;
                connection.Write(reply);
            }
        }

        public void OnConnected(TcpConnection connection, System.Net.Sockets.SocketError error)
        {
        }

        public void OnWritable(TcpConnection connection)
        {
        }

        public void OnClosed(TcpConnection connection, System.Net.Sockets.SocketError error)
        {
        }
    }
}
