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
    protected abstract StateSetup Enter();

    private static void AssertUnchanged(StateSetup s)
    {
        Assert.Equal(s.State, s.Connection.State);
        Assert.Null(s.Bench.Handler.CloseResult);
        s.Bench.ExpectNothing();
    }

    // ------------------------------------------------------------ RST (RFC 5961 3.2)

    [Fact]
    public void RstExactlyAtRcvNxtResets()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.Closed, s.Connection.State);
        Assert.Equal(s.ResetError, s.Bench.Handler.CloseResult);
        Assert.Equal(0, s.Bench.Engine.ConnectionCount);
    }

    [Fact]
    public void RstWithAckExactlyAtRcvNxtResets()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Rst | TcpFlags.Ack, s.RcvNxt, s.SndNxt);
        s.Bench.ExpectNothing();
        Assert.Equal(TcpState.Closed, s.Connection.State);
        Assert.Equal(s.ResetError, s.Bench.Handler.CloseResult);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public void RstInsideWindowButNotExactGetsChallengeAck(int offset)
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt + (uint)offset);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(1, s.Bench.Engine.Statistics.ChallengeAcksSent);
    }

    [Fact]
    public void RstAtLastSequenceOfWindowGetsChallengeAck()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt + s.Wnd - 1);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Fact]
    public void RstJustBeyondWindowIsDroppedSilently()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt + s.Wnd);
        AssertUnchanged(s);
    }

    [Fact]
    public void RstBeforeRcvNxtIsDroppedSilently()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Rst, s.RcvNxt - 1);
        AssertUnchanged(s);
    }

    [Fact]
    public void RstFarOutsideWindowIsDroppedSilently()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Rst | TcpFlags.Ack, s.RcvNxt + 0x4000_0000u, s.SndNxt);
        AssertUnchanged(s);
    }

    // ------------------------------------------------------------ SYN (RFC 5961 4.2)

    [Fact]
    public void SynAtRcvNxtGetsChallengeAck()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Syn, s.RcvNxt, options: TcpTestBench.MssOnly);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(1, s.Bench.Engine.Statistics.ChallengeAcksSent);
    }

    [Fact]
    public void SynAtLastSequenceOfWindowGetsChallengeAck()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Syn, s.RcvNxt + s.Wnd - 1, options: TcpTestBench.MssOnly);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Fact]
    public void SynWithAckInWindowGetsChallengeAck()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Syn | TcpFlags.Ack, s.RcvNxt + 10, s.SndNxt, options: TcpTestBench.MssOnly);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0x1000_0000u)]
    public void SynBeyondWindowGetsTheSameAck(uint offsetBeyondRightEdge)
    {
        // "Irrespective of the sequence number" (RFC 5961 4.2): the unacceptable-segment ACK has the same form.
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Syn, s.RcvNxt + s.Wnd + offsetBeyondRightEdge, options: TcpTestBench.MssOnly);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Fact]
    public void OldSynBeforeRcvNxtGetsAck()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Syn, TcpTestBench.PeerIss, options: TcpTestBench.MssOnly);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    // ------------------------------------------------------------ acceptability of empty segments (RFC 9293 3.10.7.4)

    [Fact]
    public void EmptyAckAtRcvNxtIsAcceptedSilently()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt, s.SndUna);
        AssertUnchanged(s);
    }

    [Fact]
    public void EmptyAckAtLastSequenceOfWindowIsAcceptedSilently()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt + s.Wnd - 1, s.SndUna);
        AssertUnchanged(s);
    }

    [Fact]
    public void EmptyAckAtRightEdgeIsAcceptedSilently()
    {
        // RFC 9293's table stops one short of the right edge; like Linux (tcp_sequence) we take the edge itself, where
        // a peer that filled our window sends its ACKs from (WindowRightEdgeTests).
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt + s.Wnd, s.SndUna);
        AssertUnchanged(s);
    }

    [Fact]
    public void EmptyAckBeyondRightEdgeIsUnacceptableAndAcked()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt + s.Wnd + 1, s.SndUna);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Fact]
    public void OldEmptyAckIsUnacceptableAndAcked()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt - 1, s.SndUna);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Fact]
    public void SegmentWithoutAckIsDropped()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.None, s.RcvNxt, payload: [1]);
        AssertUnchanged(s);
        Assert.Equal(0, s.Connection.Readable);
    }

    // ------------------------------------------------------------ data outside the window

    [Fact]
    public void DataAtRightEdgeIsUnacceptableAndAcked()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt + s.Wnd, s.SndUna, payload: [1, 2, 3]);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(0, s.Connection.Readable);
    }

    [Fact]
    public void DataFarBeyondWindowIsUnacceptableAndAcked()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt + 100_000, s.SndUna, payload: [1, 2, 3]);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
    }

    [Fact]
    public void OldDataEntirelyBeforeRcvNxtIsAcked()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt - 3, s.SndUna, payload: [1, 2, 3]);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(0, s.Connection.Readable);
    }

    // ------------------------------------------------------------ the ACK field (RFC 9293 3.10.7.4 fifth step, RFC 5961 5.2)

    [Fact]
    public void AckBeyondSndNxtIsAckedAndDropped()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt, s.SndNxt + 1);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(s.SndUna, s.Connection.SendUnacknowledged.Value);
    }

    [Fact]
    public void AckAtOldestAcceptableValueIsIgnoredQuietly()
    {
        // SND.UNA - MAX.SND.WND <= SEG.ACK is acceptable (a duplicate); MAX.SND.WND is the peer's 65535.
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt, s.SndUna - 65535);
        AssertUnchanged(s);
    }

    [Fact]
    public void AckOlderThanMaxSendWindowGetsChallengeAck()
    {
        StateSetup s = Enter();
        s.Bench.Send(TcpFlags.Ack, s.RcvNxt, s.SndUna - 65536);
        s.Bench.ExpectAck(s.SndNxt, s.RcvNxt, s.Wnd);
        AssertUnchanged(s);
        Assert.Equal(1, s.Bench.Engine.Statistics.ChallengeAcksSent);
    }
}
