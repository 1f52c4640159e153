using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.States;

/// <summary>
/// A client that gives up on a request closes its socket (FIN) and then resets when our response arrives (Linux's
/// TCPAbortOnData): its RST carries the sequence number our response acknowledged, one below RCV.NXT once its FIN is
/// in. Seen at the end of every wrk run against serve (a few thousand per 10,000 connections). The default profile
/// takes that RST as Linux does; the RFC profile keeps RFC 5961's exact match and closes only when our FIN draws a
/// second RST.
/// </summary>
public class ResetBeforePeerFinTests
{
    private const uint N = TcpTestBench.PeerIss + 1;

    private static (TcpTestBench Bench, TcpConnection Connection, uint Iss) ResponseInFlightWhenThePeerCloses(BenchDesign design, TcpConfig config)
    {
        var b = new TcpTestBench(design, config);
        (TcpConnection c, uint iss) = b.Established();
        Assert.Equal(5, c.Write(new byte[5]));
        b.Engine.FlushPending();
        b.Expect(Flags(TcpFlags.Ack | TcpFlags.Psh), Seq(iss + 1), Ack(N), PayloadLength(5));
        // The peer's FIN crosses our response; the peer then gets the response on a closed socket.
        b.Send(TcpFlags.Fin | TcpFlags.Ack, N, iss + 1);
        b.ExpectAck(iss + 6, N + 1, b.WndAfterFin);
        Assert.Equal(TcpState.CloseWait, c.State);
        return (b, c, iss);
    }

    [Theory]
    [DesignData]
    public void LinuxProfileClosesOnTheResetThatAnswersOurResponse(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, _) = ResponseInFlightWhenThePeerCloses(design, TcpProfile.Linux.CreateConfig());

        b.Send(TcpFlags.Rst, N);

        b.ExpectNothing();
        Assert.Equal(TcpState.Closed, c.State);
        Assert.Equal(SocketError.ConnectionReset, b.Handler.CloseResult);
        Assert.Equal(0, b.Engine.Statistics.Drops[DropReason.TcpOutOfWindow]);
    }

    [Theory]
    [DesignData]
    public void RfcProfileDropsItAndClosesOnTheResetOurFinDraws(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = ResponseInFlightWhenThePeerCloses(design, TcpProfile.Rfc.CreateConfig());

        b.Send(TcpFlags.Rst, N);
        b.ExpectNothing();
        Assert.Equal(TcpState.CloseWait, c.State);
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.TcpOutOfWindow]);

        c.Shutdown();
        b.Engine.FlushPending();
        b.Expect(Flags(TcpFlags.Fin | TcpFlags.Ack), Seq(iss + 6), Ack(N + 1));
        b.Send(TcpFlags.Rst, N + 1);
        Assert.Equal(TcpState.Closed, c.State);
        Assert.Equal(SocketError.Success, b.Handler.CloseResult);
    }

    [Theory]
    [DesignData]
    public void EstablishedStillDropsAResetOneBelowRcvNxt(BenchDesign design)
    {
        var b = new TcpTestBench(design, TcpProfile.Linux.CreateConfig());
        (TcpConnection c, _) = b.Established();

        b.Send(TcpFlags.Rst, N - 1);

        b.ExpectNothing();
        Assert.Equal(TcpState.Established, c.State);
        Assert.Null(b.Handler.CloseResult);
    }
}
