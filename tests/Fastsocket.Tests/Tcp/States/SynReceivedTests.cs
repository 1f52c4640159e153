using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.States;

/// <summary>Passive SYN-RECEIVED (RFC 9293 3.10.7.4 with RFC 5961): our SYN-ACK is out, RCV.NXT = PeerIss + 1, SND.NXT = ISS + 1.</summary>
public class SynReceivedTests
{
    private const uint N = TcpTestBench.PeerIss + 1;
    private const uint W = 4096;

    private static (TcpTestBench Bench, TcpConnection Connection, uint Iss) Enter(BenchDesign design)
    {
        TcpTestBench bench = TcpTestBench.Small(design);
        Segment synAck = bench.PassiveSynReceived(TcpTestBench.PeerIss, TcpTestBench.MssOnly);
        Assert.Equal(W, synAck.Window);
        TcpConnection c = bench.Find()!;
        Assert.Equal(TcpState.SynReceived, c.State);
        return (bench, c, synAck.Seq);
    }

    private static void AssertUnchanged(TcpTestBench b, TcpConnection c)
    {
        b.ExpectNothing();
        Assert.Equal(TcpState.SynReceived, c.State);
        Assert.Equal(1, b.Engine.ConnectionCount);
        Assert.Empty(b.Handler.Events);
    }

    [Theory]
    [DesignData]
    public void RetransmittedSynGetsTheSameSynAck(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        b.Send(TcpFlags.Syn, TcpTestBench.PeerIss, options: TcpTestBench.MssOnly);
        b.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack), Seq(iss), Ack(N), Window((ushort)W), NoPayload, Options(TcpTestBench.MssOnly));
        AssertUnchanged(b, c);
    }

    [Theory]
    [DesignData]
    public void SynAckIsRetransmittedOnTimeout(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        b.Advance(c.RetransmissionTimeoutMicroseconds);
        b.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack), Seq(iss), Ack(N), Window((ushort)W), NoPayload, Options(TcpTestBench.MssOnly));
    }

    [Theory]
    [DesignData]
    public void AcceptableAckEstablishes(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        b.Send(TcpFlags.Ack, N, iss + 1);
        b.ExpectNothing();
        Assert.Equal(TcpState.Established, c.State);
        Assert.Equal(new[] { "acceptable" }, b.Handler.Events);
    }

    [Theory]
    [DesignData(0u)]
    [DesignData(2u)]
    [DesignData(0x8000_0000u)]
    public void UnacceptableAckGetsResetFromSegAck(BenchDesign design, uint ackMinusIss)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        b.Send(TcpFlags.Ack, N, iss + ackMinusIss);
        b.Expect(Flags(TcpFlags.Rst), Seq(iss + ackMinusIss), Ack(0), Window(0), NoPayload, NoOptions);
        AssertUnchanged(b, c);
    }

    [Theory]
    [DesignData]
    public void AckWithDataEstablishesAndDelivers(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        b.Send(TcpFlags.Ack | TcpFlags.Psh, N, iss + 1, [1, 2, 3]);
        Assert.Equal(TcpState.Established, c.State);
        Assert.Equal(3, c.Readable);
        b.Advance(b.Config.DelayedAckMicroseconds);
        b.ExpectAck(iss + 1, N + 3, (ushort)(W - 3));
    }

    [Theory]
    [DesignData]
    public void FinWithAckEstablishesThenCloseWait(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        b.Send(TcpFlags.Fin | TcpFlags.Ack, N, iss + 1);
        b.ExpectAck(iss + 1, N + 1, (ushort)(W - 1));
        Assert.Equal(TcpState.CloseWait, c.State);
    }

    [Theory]
    [DesignData]
    public void SegmentWithoutAckIsDropped(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, _) = Enter(design);
        b.Send(TcpFlags.Psh, N, payload: [1]);
        AssertUnchanged(b, c);
        b.Send(TcpFlags.Fin, N);
        AssertUnchanged(b, c);
    }

    [Theory]
    [DesignData]
    public void RstAtRcvNxtReturnsToListenSilently(BenchDesign design)
    {
        (TcpTestBench b, _, _) = Enter(design);
        b.Send(TcpFlags.Rst, N);
        b.ExpectNothing();
        Assert.Equal(0, b.Engine.ConnectionCount);
        Assert.Empty(b.Handler.Events);

        // The listener is still there: a new SYN opens a new connection.
        b.Send(TcpFlags.Syn, 5000, options: TcpTestBench.MssOnly);
        b.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack), Ack(5001u));
        Assert.Equal(TcpState.SynReceived, b.Find()!.State);
    }

    [Theory]
    [DesignData(1u)]
    [DesignData(W - 1)]
    public void RstInWindowNotExactGetsChallengeAck(BenchDesign design, uint offset)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        b.Send(TcpFlags.Rst, N + offset);
        b.ExpectAck(iss + 1, N, (ushort)W);
        AssertUnchanged(b, c);
    }

    [Theory]
    [DesignData(W)]
    [DesignData(0xFFFF_FFFFu)]
    public void RstOutsideWindowIsDroppedSilently(BenchDesign design, uint offset)
    {
        (TcpTestBench b, TcpConnection c, _) = Enter(design);
        b.Send(TcpFlags.Rst, N + offset);
        AssertUnchanged(b, c);
    }

    [Theory]
    [DesignData]
    public void NewSynInWindowReturnsToListen(BenchDesign design)
    {
        // RFC 9293 3.10.7.4 fourth step: "SYN-RECEIVED STATE: If the connection was initiated with a passive OPEN,
        // then return this connection to the LISTEN state and return."
        (TcpTestBench b, _, _) = Enter(design);
        b.Send(TcpFlags.Syn, N + 100, options: TcpTestBench.MssOnly);
        b.ExpectNothing();
        Assert.Equal(0, b.Engine.ConnectionCount);
        Assert.Empty(b.Handler.Events);
    }

    [Theory]
    [DesignData(W)]
    [DesignData(100_000u)]
    public void DataOutsideWindowIsAcked(BenchDesign design, uint offset)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        b.Send(TcpFlags.Ack, N + offset, iss + 1, [1]);
        b.ExpectAck(iss + 1, N, (ushort)W);
        AssertUnchanged(b, c);
    }

    [Theory]
    [DesignData]
    public void DataAtLastSequenceOfWindowWithGoodAckEstablishesAndIsHeld(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        b.Send(TcpFlags.Ack, N + W - 1, iss + 1, [1]);
        b.ExpectAck(iss + 1, N, (ushort)W);
        Assert.Equal(TcpState.Established, c.State);
        Assert.Equal(0, c.Readable);
    }
}
