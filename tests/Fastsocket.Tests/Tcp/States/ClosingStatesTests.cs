using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.States;

/// <summary>FIN-WAIT-1: our FIN is out (SND.NXT = ISS + 2) and not yet acknowledged.</summary>
public class FinWait1Tests : SynchronizedStateTests
{
    private const uint N = TcpTestBench.PeerIss + 1;

    protected override StateSetup Enter(BenchDesign design)
    {
        TcpTestBench bench = TcpTestBench.Small(design);
        (TcpConnection c, uint iss) = bench.FinWait1();
        return new StateSetup(bench, c, iss + 1, iss + 2, N, bench.Wnd, TcpState.FinWait1, SocketError.ConnectionReset);
    }

    [Theory]
    [DesignData]
    public void AckOfFinMovesToFinWait2(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.FinWait2, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void SimultaneousCloseGoesThroughClosingToTimeWait(BenchDesign design)
    {
        StateSetup s = Enter(design);
        // The peer's FIN does not acknowledge ours: CLOSING, and our ACK of its FIN.
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N, s.SndUna);
        s.Bench.ExpectAck(s.SndNxt, N + 1, s.Bench.WndAfterFin);
        Assert.Equal(TcpState.Closing, s.Connection.State);
        // Then its ACK of our FIN: TIME-WAIT, nothing to send.
        s.Bench.Send(TcpFlags.Ack, N + 1, s.SndNxt);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.TimeWait, s.Connection.State);
        Assert.Equal(1, s.Bench.Engine.TimeWaitCount);
        Assert.Equal(SocketError.Success, s.Bench.Handler.CloseResult);
    }

    [Theory]
    [DesignData]
    public void SimultaneousCloseWhoseFinAndAckArriveInOneBatchStillAcksTheFin(BenchDesign design)
    {
        // A client that closes as soon as it has the whole response (wrk, with Connection: close) sends its FIN while
        // ours is in flight and its ACK of ours right after: both can reach the engine in one batch. CLOSING owes the
        // ACK of the peer's FIN; going on to TIME-WAIT in the same batch must not lose it, or the peer sits in CLOSING
        // retransmitting its FIN (seen against nginx under LD_PRELOAD: most of wrk's ports stuck there).
        StateSetup s = Enter(design);
        s.Bench.Device.Deliver(TcpTestBench.FromPeer().Flags(TcpFlags.Fin | TcpFlags.Ack).Seq(N).Ack(s.SndUna).Window(65535).Build());
        s.Bench.Device.Deliver(TcpTestBench.FromPeer().Flags(TcpFlags.Ack).Seq(N + 1).Ack(s.SndNxt).Window(65535).Build());
        s.Bench.Engine.Poll();
        s.Bench.ExpectAck(s.SndNxt, N + 1, s.Bench.WndAfterFin);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.TimeWait, s.Connection.State);
        Assert.Equal(1, s.Bench.Engine.TimeWaitCount);

        // Should that ACK be lost, TIME-WAIT answers the retransmitted FIN (RFC 9293 3.10.7.4).
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N, s.SndNxt);
        s.Bench.ExpectAck(s.SndNxt, N + 1, s.Bench.WndAfterFin);
    }

    [Theory]
    [DesignData]
    public void FinThatAcksOurFinGoesStraightToTimeWait(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N, s.SndNxt);
        s.Bench.ExpectAck(s.SndNxt, N + 1, s.Bench.WndAfterFin);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.TimeWait, s.Connection.State);
        Assert.Equal(1, s.Bench.Engine.TimeWaitCount);
    }

    [Theory]
    [DesignData]
    public void DataIsStillReceived(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndUna, payload: [1, 2]);
        Assert.Equal(2, s.Connection.Readable);
        s.Bench.Advance(s.Bench.Config.DelayedAckMicroseconds);
        s.Bench.ExpectAck(s.SndNxt, N + 2, (ushort)(s.Wnd - 2));
        Assert.Equal(TcpState.FinWait1, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void UnacknowledgedFinIsRetransmitted(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Advance(s.Connection.RetransmissionTimeoutMicroseconds);
        s.Bench.Expect(Flags(TcpFlags.Fin | TcpFlags.Ack), Seq(s.SndUna), Ack(N), Window(s.Wnd), NoPayload, NoOptions);
        Assert.Equal(TcpState.FinWait1, s.Connection.State);
    }
}

/// <summary>FIN-WAIT-2: our FIN is acknowledged; we still receive.</summary>
public class FinWait2Tests : SynchronizedStateTests
{
    private const uint N = TcpTestBench.PeerIss + 1;

    protected override StateSetup Enter(BenchDesign design)
    {
        TcpTestBench bench = TcpTestBench.Small(design);
        (TcpConnection c, uint iss) = bench.FinWait2();
        return new StateSetup(bench, c, iss + 2, iss + 2, N, bench.Wnd, TcpState.FinWait2, SocketError.ConnectionReset);
    }

    [Theory]
    [DesignData]
    public void FinMovesToTimeWaitWithAck(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N, s.SndNxt);
        s.Bench.ExpectAck(s.SndNxt, N + 1, s.Bench.WndAfterFin);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.TimeWait, s.Connection.State);
        Assert.Equal(1, s.Bench.Engine.TimeWaitCount);
    }

    [Theory]
    [DesignData]
    public void OutOfOrderFinWaitsForTheMissingBytes(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N + 2, s.SndNxt);
        s.Bench.ExpectAck(s.SndNxt, N, s.Wnd);
        Assert.Equal(TcpState.FinWait2, s.Connection.State);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, payload: [1, 2]);
        s.Bench.ExpectAck(s.SndNxt, N + 3, (ushort)(s.Wnd - 3));
        Assert.Equal(TcpState.TimeWait, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void DataIsStillReceived(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N + s.Wnd - 1, s.SndNxt, payload: [1]);
        s.Bench.ExpectAck(s.SndNxt, N, s.Wnd);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, payload: [1]);
        s.Bench.ExpectAck(s.SndNxt, N + 1, (ushort)(s.Wnd - 1));
        Assert.Equal(1, s.Connection.Readable);
        Assert.Equal(TcpState.FinWait2, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void OrphanedConnectionTimesOutAfterFinWait2Timeout(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Connection.Close();
        s.Bench.Advance(s.Bench.Config.FinWait2TimeoutMicroseconds - 1);
        Assert.Equal(1, s.Bench.Engine.ConnectionCount);
        s.Bench.Advance(1);
        s.Bench.ExpectNothing();
        Assert.Equal(0, s.Bench.Engine.ConnectionCount);
        Assert.Equal(0, s.Bench.Engine.TimeWaitCount);
    }
}

/// <summary>CLOSE-WAIT: the peer's FIN is in (RCV.NXT = PeerIss + 2); we may still send.</summary>
public class CloseWaitTests : SynchronizedStateTests
{
    protected override bool PeerFinIsIn => true;

    private const uint N = TcpTestBench.PeerIss + 2;

    protected override StateSetup Enter(BenchDesign design)
    {
        TcpTestBench bench = TcpTestBench.Small(design);
        (TcpConnection c, uint iss) = bench.CloseWait();
        return new StateSetup(bench, c, iss + 1, iss + 1, N, bench.WndAfterFin, TcpState.CloseWait, SocketError.ConnectionReset);
    }

    [Theory]
    [DesignData]
    public void RetransmittedFinIsAckedAgain(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N - 1, s.SndNxt);
        s.Bench.ExpectAck(s.SndNxt, N, s.Wnd);
        Assert.Equal(TcpState.CloseWait, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void TextAfterTheFinIsIgnored(BenchDesign design)
    {
        // RFC 9293 3.10.7.4 seventh step: "This should not occur since a FIN has been received from the remote side. Ignore the segment text."
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, payload: [1, 2, 3]);
        s.Bench.ExpectNothing();
        Assert.Equal(0, s.Connection.Readable);
        Assert.True(s.Connection.ReceiveCompleted);
        Assert.Equal(TcpState.CloseWait, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void WeCanStillSend(BenchDesign design)
    {
        StateSetup s = Enter(design);
        Assert.Equal(5, s.Connection.Write(new byte[5]));
        s.Bench.Engine.FlushPending();
        s.Bench.Expect(Flags(TcpFlags.Ack | TcpFlags.Psh), Seq(s.SndNxt), Ack(N), Window(s.Wnd), PayloadLength(5), NoOptions);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt + 5);
        s.Bench.ExpectNothing();
        Assert.Equal(0, s.Connection.Unacknowledged);
    }

    [Theory]
    [DesignData]
    public void ShutdownMovesToLastAck(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Connection.Shutdown();
        s.Bench.Engine.FlushPending();
        s.Bench.Expect(Flags(TcpFlags.Fin | TcpFlags.Ack), Seq(s.SndNxt), Ack(N), Window(s.Wnd), NoPayload, NoOptions);
        Assert.Equal(TcpState.LastAck, s.Connection.State);
    }
}

/// <summary>CLOSING: both FINs sent, ours not yet acknowledged.</summary>
public class ClosingTests : SynchronizedStateTests
{
    protected override bool PeerFinIsIn => true;

    private const uint N = TcpTestBench.PeerIss + 2;

    protected override StateSetup Enter(BenchDesign design)
    {
        TcpTestBench bench = TcpTestBench.Small(design);
        (TcpConnection c, uint iss) = bench.Closing();
        return new StateSetup(bench, c, iss + 1, iss + 2, N, bench.WndAfterFin, TcpState.Closing, SocketError.Success);
    }

    [Theory]
    [DesignData]
    public void AckOfFinMovesToTimeWait(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.TimeWait, s.Connection.State);
        Assert.Equal(1, s.Bench.Engine.TimeWaitCount);
        Assert.Equal(0, s.Bench.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData]
    public void RetransmittedFinIsAckedAgain(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N - 1, s.SndUna);
        s.Bench.ExpectAck(s.SndNxt, N, s.Wnd);
        Assert.Equal(TcpState.Closing, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void TextIsIgnored(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndUna, payload: [1]);
        s.Bench.ExpectNothing();
        Assert.Equal(0, s.Connection.Readable);
        Assert.Equal(TcpState.Closing, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void UnacknowledgedFinIsRetransmitted(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Advance(s.Connection.RetransmissionTimeoutMicroseconds);
        s.Bench.Expect(Flags(TcpFlags.Fin | TcpFlags.Ack), Seq(s.SndUna), Ack(N), Window(s.Wnd), NoPayload, NoOptions);
    }
}

/// <summary>LAST-ACK: the peer closed first, then we did; waiting for the ACK of our FIN.</summary>
public class LastAckTests : SynchronizedStateTests
{
    protected override bool PeerFinIsIn => true;

    private const uint N = TcpTestBench.PeerIss + 2;

    protected override StateSetup Enter(BenchDesign design)
    {
        TcpTestBench bench = TcpTestBench.Small(design);
        (TcpConnection c, uint iss) = bench.LastAck();
        return new StateSetup(bench, c, iss + 1, iss + 2, N, bench.WndAfterFin, TcpState.LastAck, SocketError.Success);
    }

    [Theory]
    [DesignData]
    public void AckOfFinClosesWithoutTimeWait(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.Closed, s.Connection.State);
        Assert.Equal(SocketError.Success, s.Bench.Handler.CloseResult);
        Assert.Equal(0, s.Bench.Engine.ConnectionCount);
        Assert.Equal(0, s.Bench.Engine.TimeWaitCount);
    }

    [Theory]
    [DesignData]
    public void RetransmittedFinIsAckedAgain(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Fin | TcpFlags.Ack, N - 1, s.SndUna);
        s.Bench.ExpectAck(s.SndNxt, N, s.Wnd);
        Assert.Equal(TcpState.LastAck, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void TextIsIgnored(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndUna, payload: [1]);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.LastAck, s.Connection.State);
    }

    [Theory]
    [DesignData]
    public void SegmentAfterCloseGetsResetFromTheListenerPort(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt);
        s.Bench.Send(TcpFlags.Ack, N, s.SndNxt, payload: [1]);
        s.Bench.Expect(Flags(TcpFlags.Rst), Seq(s.SndNxt), Ack(0), Window(0), NoPayload, NoOptions);
    }
}
