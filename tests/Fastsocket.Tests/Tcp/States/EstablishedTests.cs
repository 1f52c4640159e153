using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.States;

/// <summary>ESTABLISHED (RFC 9293 3.10.7.4): text at and around the window edges, FIN, close and shutdown.</summary>
public class EstablishedTests : SynchronizedStateTests
{
    private const uint N = TcpTestBench.PeerIss + 1;
    private const uint W = 4096;

    protected override StateSetup Enter(BenchDesign design)
    {
        TcpTestBench bench = TcpTestBench.Small(design);
        // These cases pin down the delayed ACK of RFC 5681 4.2; the quick ACKs of a new connection are QuickAckTests'.
        bench.Config.QuickAcks = 0;
        (TcpConnection c, uint iss) = bench.Established();
        return new StateSetup(bench, c, iss + 1, iss + 1, N, bench.Wnd, TcpState.Established, SocketError.ConnectionReset);
    }

    [Theory]
    [DesignData]
    public void DataAtRcvNxtIsDeliveredWithDelayedAck(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack | TcpFlags.Psh, N, s.SndNxt, payload: [7]);
        s.Bench.ExpectNothing();
        Assert.Equal(1, s.Connection.Readable);
        Assert.Equal(1, s.Bench.Handler.ReadableCount);
        s.Bench.Advance(s.Bench.Config.DelayedAckMicroseconds - 1);
        s.Bench.ExpectNothing();
        s.Bench.Advance(1);
        s.Bench.ExpectAck(s.SndNxt, N + 1, (ushort)(W - 1));
        Assert.Equal(TcpState.Established, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void SecondFullSegmentIsAckedAtOnce(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, payload: new byte[1000]);
        s.Bench.ExpectNothing();
        s.Bench.Send(TcpFlags.Ack, N + 1000, s.SndNxt, payload: new byte[1000]);
        s.Bench.ExpectAck(s.SndNxt, N + 2000, (ushort)(W - 2000));
    }

    [Theory]
    [DesignData]
    public void DataAtLastSequenceOfWindowIsHeldOutOfOrderAndAckedAtOnce(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N + W - 1, s.SndNxt, payload: [9]);
        s.Bench.ExpectAck(s.SndNxt, N, (ushort)W);
        Assert.Equal(0, s.Connection.Readable);

        // Filling the hole takes the whole window: everything becomes readable and the window closes.
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, payload: new byte[W - 1]);
        s.Bench.ExpectAck(s.SndNxt, N + W, 0);
        Assert.Equal((int)W, s.Connection.Readable);
    }

    [Theory]
    [DesignData]
    public void DataCrossingRightEdgeIsTrimmedToTheWindow(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N + W - 1, s.SndNxt, payload: [1, 2, 3]);
        s.Bench.ExpectAck(s.SndNxt, N, (ushort)W);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, payload: new byte[W - 1]);
        s.Bench.ExpectAck(s.SndNxt, N + W, 0);
        Assert.Equal((int)W, s.Connection.Readable);
    }

    [Theory]
    [DesignData]
    public void DataOverlappingRcvNxtKeepsOnlyTheNewBytes(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N - 2, s.SndNxt, payload: [1, 2, 3, 4]);
        var buffer = new byte[8];
        Assert.Equal(2, s.Connection.Read(buffer));
        Assert.Equal(new byte[] { 3, 4 }, buffer[..2]);
    }

    [Theory]
    [DesignData]
    public void ZeroWindowAcceptsOnlyAnEmptySegmentAtRcvNxt(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, payload: new byte[W]);
        s.Bench.Send(TcpFlags.Ack, N + W, s.SndNxt, payload: []);
        // The full window arrives in one segment: first segment since the last ACK, so it is delayed.
        s.Bench.Advance(s.Bench.Config.DelayedAckMicroseconds);
        s.Bench.ExpectAck(s.SndNxt, N + W, 0);

        // RCV.WND = 0: data at RCV.NXT is not taken but its ACK field is processed; we answer with the zero window.
        s.Bench.Send(TcpFlags.Ack, N + W, s.SndNxt, payload: [1]);
        s.Bench.ExpectAck(s.SndNxt, N + W, 0);
        Assert.Equal((int)W, s.Connection.Readable);

        // An empty segment one past RCV.NXT is unacceptable with a zero window.
        s.Bench.Send(TcpFlags.Ack, N + W + 1, s.SndNxt);
        s.Bench.ExpectAck(s.SndNxt, N + W, 0);

        // An empty segment at RCV.NXT is acceptable.
        s.Bench.Send(TcpFlags.Ack, N + W, s.SndNxt);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.Established, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void FinAtRcvNxtMovesToCloseWait(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N, s.SndNxt);
        s.Bench.ExpectAck(s.SndNxt, N + 1, (ushort)(W - 1));
        Assert.Equal(TcpState.CloseWait, s.Connection.State);
        Assert.True(s.Connection.ReceiveCompleted);
        Assert.Equal(1, s.Bench.Handler.ReadableCount);
    }

    [Theory]
    [DesignData]
    public void DataWithFinIsDeliveredThenCloseWait(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack | TcpFlags.Psh, N, s.SndNxt, payload: [1, 2, 3]);
        s.Bench.ExpectAck(s.SndNxt, N + 4, (ushort)(W - 4));
        Assert.Equal(TcpState.CloseWait, s.Connection.State);
        Assert.Equal(3, s.Connection.Readable);
        Assert.False(s.Connection.ReceiveCompleted);
    }

    [Theory]
    [DesignData]
    public void OutOfOrderFinWaitsForTheMissingByte(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N + 1, s.SndNxt);
        s.Bench.ExpectAck(s.SndNxt, N, (ushort)W);
        Assert.Equal(TcpState.Established, s.Connection.State);

        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, payload: [5]);
        s.Bench.ExpectAck(s.SndNxt, N + 2, (ushort)(W - 2));
        Assert.Equal(TcpState.CloseWait, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void FinAtLastSequenceOfWindowIsHeldAndAcked(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N + W - 1, s.SndNxt);
        s.Bench.ExpectAck(s.SndNxt, N, (ushort)W);
        Assert.Equal(TcpState.Established, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void FinBeyondWindowIsAckedAndIgnored(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N + W, s.SndNxt);
        s.Bench.ExpectAck(s.SndNxt, N, (ushort)W);
        Assert.Equal(TcpState.Established, s.Connection.State);
        Assert.False(s.Connection.ReceiveCompleted);
    }

    [Theory]
    [DesignData]
    public void AckBeyondSndNxtDropsTheDataItCarries(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt + 10, payload: [1, 2, 3]);
        s.Bench.ExpectAck(s.SndNxt, N, (ushort)W);
        Assert.Equal(0, s.Connection.Readable);
    }

    [Theory]
    [DesignData]
    public void TooOldAckDropsTheDataItCarries(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndUna - 70_000, payload: [1, 2, 3]);
        s.Bench.ExpectAck(s.SndNxt, N, (ushort)W);
        Assert.Equal(0, s.Connection.Readable);
    }

    [Theory]
    [DesignData]
    public void AckOfOurDataReleasesTheSendBuffer(BenchDesign design)
    {
        StateSetup s = Enter(design);
        Assert.Equal(10, s.Connection.Write(new byte[10]));
        s.Bench.Engine.FlushPending();
        s.Bench.Expect(Flags(TcpFlags.Ack | TcpFlags.Psh), Seq(s.SndNxt), Ack(N), Window((ushort)W), PayloadLength(10), NoOptions);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt + 10);
        s.Bench.ExpectNothing();
        Assert.Equal(0, s.Connection.Unacknowledged);
    }

    [Theory]
    [DesignData]
    public void CloseWithUnreadDataSendsReset(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, payload: [1]);
        s.Connection.Close();
        s.Bench.Engine.FlushPending();
        s.Bench.Expect(Flags(TcpFlags.Rst | TcpFlags.Ack), Seq(s.SndNxt), Ack(N + 1), Window(0), NoPayload, NoOptions);
        s.Bench.ExpectNothing();
        Assert.Equal(0, s.Bench.Engine.ConnectionCount);
        Assert.Equal(0, s.Bench.Engine.TimeWaitCount);
    }

    [Theory]
    [DesignData]
    public void CloseWithNothingUnreadSendsFin(BenchDesign design)
    {
        StateSetup s = Enter(design);
        TcpConnection c = s.Connection;
        c.Close();
        s.Bench.Engine.FlushPending();
        s.Bench.Expect(Flags(TcpFlags.Fin | TcpFlags.Ack), Seq(s.SndNxt), Ack(N), Window((ushort)W), NoPayload, NoOptions);
        Assert.Equal(TcpState.FinWait1, c.State);
    }

    [Theory]
    [DesignData]
    public void ShutdownSendsFinAfterQueuedData(BenchDesign design)
    {
        StateSetup s = Enter(design);
        Assert.Equal(3000, s.Connection.Write(new byte[3000]));
        s.Connection.Shutdown();
        s.Bench.Engine.FlushPending();
        s.Bench.Expect(Flags(TcpFlags.Ack), Seq(s.SndNxt), Ack(N), Window((ushort)W), PayloadLength(1460), NoOptions);
        s.Bench.Expect(Flags(TcpFlags.Ack), Seq(s.SndNxt + 1460), Ack(N), Window((ushort)W), PayloadLength(1460), NoOptions);
        s.Bench.Expect(Flags(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin), Seq(s.SndNxt + 2920), Ack(N), Window((ushort)W), PayloadLength(80), NoOptions);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.FinWait1, s.Connection.State);
        Assert.Equal(-1, s.Connection.Write([1]));

        // Acking the data but not the FIN keeps FIN-WAIT-1; acking the FIN moves on.
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt + 3000);
        Assert.Equal(TcpState.FinWait1, s.Connection.State);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt + 3001);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.FinWait2, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void ShutdownWaitsForAClosedSendWindowBeforeTheFin(BenchDesign design)
    {
        StateSetup s = Enter(design);
        // The peer closes its window; the data and the FIN behind it must wait.
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, window: 0);
        s.Connection.Write(new byte[100]);
        s.Connection.Shutdown();
        s.Bench.Engine.FlushPending();
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.FinWait1, s.Connection.State);

        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, window: 65535);
        s.Bench.Expect(Flags(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin), Seq(s.SndNxt), Ack(N), Window((ushort)W), PayloadLength(100), NoOptions);
    }
}
