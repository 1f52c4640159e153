using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.States;

/// <summary>A connection driven into one synchronized state, with the sequence variables the tests aim at.</summary>
public sealed record StateSetup(TcpTestBench Bench, TcpConnection Connection, uint SndUna, uint SndNxt, uint RcvNxt, ushort Wnd,
    TcpState State, SocketError ResetError);

/// <summary>
/// The cases RFC 9293 3.10.7.4 and RFC 5961 treat alike in every synchronized state: the acceptability test at the
/// window edges, RST (exact, in window, outside), SYN, and the ACK field checks. Each state's class inherits them
/// and adds what differs (FIN, text, the ACK of our FIN).
/// </summary>
public abstract class SynchronizedStateTests
{
    /// <summary>A fresh bench (4096-byte window, MSS only) with one connection in the state under test.</summary>
    protected abstract StateSetup Enter(BenchDesign design);

    /// <summary>Whether the state comes after the peer's FIN (CLOSE-WAIT, LAST-ACK, CLOSING).</summary>
    protected virtual bool PeerFinIsIn => false;

    private static void AssertUnchanged(StateSetup s)
    {
        Assert.Equal(s.State, s.Connection.State);
        Assert.Null(s.Bench.Handler.CloseResult);
        s.Bench.ExpectNothing();
    }

    // ------------------------------------------------------------ RST (RFC 5961 3.2)

    [Theory]
    [DesignData]
    public void RstExactlyAtRcvNxtResets(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.Closed, s.Connection.State);
        Assert.Equal(s.ResetError, s.Bench.Handler.CloseResult);
        Assert.Equal(0, s.Bench.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData]
    public void RstWithAckExactlyAtRcvNxtResets(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Rst | TcpFlags.Ack, s.RcvNxt, s.SndNxt);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.Closed, s.Connection.State);
        Assert.Equal(s.ResetError, s.Bench.Handler.CloseResult);
    }

    [Theory]
    [DesignData(1)]
    [DesignData(100)]
    public void RstInsideWindowButNotExactGetsChallengeAck(BenchDesign design, int offset)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt + (uint)offset);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(1, s.Bench.Engine.Statistics.ChallengeAcksSent);
    }

    [Theory]
    [DesignData]
    public void RstAtLastSequenceOfWindowGetsChallengeAck(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt + s.Wnd - 1);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void RstJustBeyondWindowIsDroppedSilently(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt + s.Wnd);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void RstBeforeRcvNxtIsDroppedSilently(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt - 2);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void RstOneBeforeRcvNxtResetsOnlyOnceThePeersFinIsIn(BenchDesign design)
    {
        // Linux's tcp_reset_check (TcpConfig.AcceptResetBeforePeerFin, on by default): after the peer's FIN, RCV.NXT - 1
        // is the sequence number a peer that closed and then reset carries; before it, it is an old segment.
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt - 1);
        if (PeerFinIsIn)
        {
            s.Bench.ExpectNothing();
            Assert.Equal(TcpState.Closed, s.Connection.State);
            Assert.Equal(s.ResetError, s.Bench.Handler.CloseResult);
        }
        else
        {
            AssertUnchanged(s);
        }
    }

    [Theory]
    [DesignData]
    public void RstFarOutsideWindowIsDroppedSilently(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Rst | TcpFlags.Ack, s.RcvNxt + 0x4000_0000u, s.SndNxt);
        AssertUnchanged(s);
    }

    // ------------------------------------------------------------ SYN (RFC 5961 4.2)

    [Theory]
    [DesignData]
    public void SynAtRcvNxtGetsChallengeAck(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Syn, s.RcvNxt, options: TcpTestBench.MssOnly);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(1, s.Bench.Engine.Statistics.ChallengeAcksSent);
    }

    [Theory]
    [DesignData]
    public void SynAtLastSequenceOfWindowGetsChallengeAck(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Syn, s.RcvNxt + s.Wnd - 1, options: TcpTestBench.MssOnly);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void SynWithAckInWindowGetsChallengeAck(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Syn | TcpFlags.Ack, s.RcvNxt + 10, s.SndNxt, options: TcpTestBench.MssOnly);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData(0u)]
    [DesignData(0x1000_0000u)]
    public void SynBeyondWindowGetsTheSameAck(BenchDesign design, uint offsetBeyondRightEdge)
    {
        // "Irrespective of the sequence number" (RFC 5961 4.2): the unacceptable-segment ACK has the same form.
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Syn, s.RcvNxt + s.Wnd + offsetBeyondRightEdge, options: TcpTestBench.MssOnly);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void OldSynBeforeRcvNxtGetsAck(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Syn, TcpTestBench.PeerIss, options: TcpTestBench.MssOnly);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    // ------------------------------------------------------------ acceptability of empty segments (RFC 9293 3.10.7.4)

    [Theory]
    [DesignData]
    public void EmptyAckAtRcvNxtIsAcceptedSilently(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt, s.SndUna);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void EmptyAckAtLastSequenceOfWindowIsAcceptedSilently(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt + s.Wnd - 1, s.SndUna);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void EmptyAckAtRightEdgeIsAcceptedSilently(BenchDesign design)
    {
        // RFC 9293's table stops one short of the right edge; like Linux (tcp_sequence) we take the edge itself, where
        // a peer that filled our window sends its ACKs from (WindowRightEdgeTests).
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt + s.Wnd, s.SndUna);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void EmptyAckBeyondRightEdgeIsUnacceptableAndAcked(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt + s.Wnd + 1, s.SndUna);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void OldEmptyAckIsUnacceptableAndAcked(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt - 1, s.SndUna);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void SegmentWithoutAckIsDropped(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.None, s.RcvNxt, payload: [1]);
        AssertUnchanged(s);
        Assert.Equal(0, s.Connection.Readable);
    }

    // ------------------------------------------------------------ data outside the window

    [Theory]
    [DesignData]
    public void DataAtRightEdgeIsUnacceptableAndAcked(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt + s.Wnd, s.SndUna, payload: [1, 2, 3]);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(0, s.Connection.Readable);
    }

    [Theory]
    [DesignData]
    public void DataFarBeyondWindowIsUnacceptableAndAcked(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt + 100_000, s.SndUna, payload: [1, 2, 3]);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void OldDataEntirelyBeforeRcvNxtIsAcked(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt - 3, s.SndUna, payload: [1, 2, 3]);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(0, s.Connection.Readable);
    }

    // ------------------------------------------------------------ the ACK field (RFC 9293 3.10.7.4 fifth step, RFC 5961 5.2)

    [Theory]
    [DesignData]
    public void AckBeyondSndNxtIsAckedAndDropped(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt, s.SndNxt + 1);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(s.SndUna, s.Connection.SendUnacknowledged.Value);
    }

    [Theory]
    [DesignData]
    public void AckAtOldestAcceptableValueIsIgnoredQuietly(BenchDesign design)
    {
        // SND.UNA - MAX.SND.WND <= SEG.ACK is acceptable (a duplicate); MAX.SND.WND is the peer's 65535.
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt, s.SndUna - 65535);
        AssertUnchanged(s);
    }

    [Theory]
    [DesignData]
    public void AckOlderThanMaxSendWindowGetsChallengeAck(BenchDesign design)
    {
        StateSetup s = Enter(design);
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt, s.SndUna - 65536);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(1, s.Bench.Engine.Statistics.ChallengeAcksSent);
    }
}
