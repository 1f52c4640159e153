using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.States;

/// <summary>SYN-SENT (RFC 9293 3.10.7.3), and simultaneous open (RFC 9293 3.5 figure 7).</summary>
public class SynSentTests
{
    private const ushort Us = TcpTestBench.ActiveLocalPort;
    private const uint P = 7000;

    private static (TcpTestBench Bench, TcpConnection Connection, uint Iss) Enter(BenchDesign design)
    {
        TcpTestBench bench = TcpTestBench.Small(design);
        (TcpConnection c, Segment syn) = bench.ActiveSynSent();
        Assert.Equal(TcpState.SynSent, c.State);
        Assert.Equal(bench.Wnd, syn.Window);
        return (bench, c, syn.Seq);
    }

    private static void Send(TcpTestBench b, TcpFlags flags, uint seq, uint ack = 0, byte[]? payload = null) =>
        b.Send(flags, seq, ack, payload, options: TcpTestBench.MssOnly, toPort: Us);

    [Theory]
    [DesignData]
    public void SynAckWithAcceptableAckEstablishes(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        Send(b, TcpFlags.Syn | TcpFlags.Ack, P, iss + 1);
        b.ExpectAck(iss + 1, P + 1, b.Wnd);
        Assert.Equal(TcpState.Established, c.State);
        Assert.Equal(SocketError.Success, b.Handler.ConnectResult);
    }

    [Theory]
    [DesignData]
    public void SynAckCarryingDataDeliversIt(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        Send(b, TcpFlags.Syn | TcpFlags.Ack, P, iss + 1, [1, 2, 3]);
        b.ExpectAck(iss + 1, P + 4, (ushort)(b.Wnd - 3));
        Assert.Equal(3, c.Readable);
    }

    [Theory]
    [DesignData(0u)]
    [DesignData(2u)]
    [DesignData(0x8000_0000u)]
    public void SynAckWithUnacceptableAckGetsReset(BenchDesign design, uint ackMinusIss)
    {
        // SEG.ACK =< ISS or SEG.ACK > SND.NXT: <SEQ=SEG.ACK><CTL=RST>, and the connection stays in SYN-SENT.
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        Send(b, TcpFlags.Syn | TcpFlags.Ack, P, iss + ackMinusIss);
        b.Expect(Flags(TcpFlags.Rst), Seq(iss + ackMinusIss), Ack(0), Window(0), NoPayload, NoOptions);
        b.ExpectNothing();
        Assert.Equal(TcpState.SynSent, c.State);
        Assert.Null(b.Handler.ConnectResult);
    }

    [Theory]
    [DesignData]
    public void BareAckWithUnacceptableAckGetsReset(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        Send(b, TcpFlags.Ack, P, iss + 5, [1]);
        b.Expect(Flags(TcpFlags.Rst), Seq(iss + 5), Ack(0), Window(0), NoPayload, NoOptions);
        Assert.Equal(TcpState.SynSent, c.State);
    }

    [Theory]
    [DesignData]
    public void BareAckWithAcceptableAckIsDropped(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        Send(b, TcpFlags.Ack, P, iss + 1);
        b.ExpectNothing();
        Assert.Equal(TcpState.SynSent, c.State);
    }

    [Theory]
    [DesignData]
    public void RstWithAcceptableAckRefusesTheConnection(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        Send(b, TcpFlags.Rst | TcpFlags.Ack, 0, iss + 1);
        b.ExpectNothing();
        Assert.Equal(TcpState.Closed, c.State);
        Assert.Equal(SocketError.ConnectionRefused, b.Handler.ConnectResult);
        Assert.Equal(0, b.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData]
    public void RstWithoutAckIsDropped(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, _) = Enter(design);
        Send(b, TcpFlags.Rst, P);
        b.ExpectNothing();
        Assert.Equal(TcpState.SynSent, c.State);
    }

    [Theory]
    [DesignData]
    public void RstWithUnacceptableAckIsDropped(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        Send(b, TcpFlags.Rst | TcpFlags.Ack, P, iss + 2);
        b.ExpectNothing();
        Assert.Equal(TcpState.SynSent, c.State);
        Assert.Null(b.Handler.ConnectResult);
    }

    [Theory]
    [DesignData]
    public void FinWithoutSynIsDropped(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, _) = Enter(design);
        Send(b, TcpFlags.Fin, P);
        b.ExpectNothing();
        Assert.Equal(TcpState.SynSent, c.State);
    }

    [Theory]
    [DesignData]
    public void DataWithoutSynOrAckIsDropped(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, _) = Enter(design);
        Send(b, TcpFlags.Psh, P, payload: [1, 2]);
        b.ExpectNothing();
        Assert.Equal(TcpState.SynSent, c.State);
    }

    [Theory]
    [DesignData]
    public void SynIsRetransmittedFromTheSameIss(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        b.Advance(c.RetransmissionTimeoutMicroseconds);
        Segment again = b.Expect(Flags(TcpFlags.Syn), Seq(iss));
    }

    [Theory]
    [DesignData]
    public void SimultaneousOpenAnswersSynWithSynAckFromTheSameIssThenEstablishes(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        Send(b, TcpFlags.Syn, P);
        // Options answer what the peer offered: MSS only.
        b.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack), Seq(iss), Ack(P + 1), Window(b.Wnd), NoPayload, Options(TcpTestBench.MssOnly));
        Assert.Equal(TcpState.SynReceived, c.State);
        Assert.Null(b.Handler.ConnectResult);

        // The peer's SYN-ACK (its SYN again, now acknowledging ours) completes the open.
        Send(b, TcpFlags.Syn | TcpFlags.Ack, P, iss + 1);
        b.ExpectNothing();
        Assert.Equal(TcpState.Established, c.State);
        Assert.Equal(SocketError.Success, b.Handler.ConnectResult);

        // And data flows.
        Send(b, TcpFlags.Ack, P + 1, iss + 1, [1]);
        Assert.Equal(1, c.Readable);
    }

    [Theory]
    [DesignData]
    public void SimultaneousOpenCompletesWithPlainAckToo(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        Send(b, TcpFlags.Syn, P);
        b.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack), Seq(iss), Ack(P + 1), Window(b.Wnd), NoPayload, Options(TcpTestBench.MssOnly));
        Send(b, TcpFlags.Ack, P + 1, iss + 1);
        b.ExpectNothing();
        Assert.Equal(TcpState.Established, c.State);
        Assert.Equal(SocketError.Success, b.Handler.ConnectResult);
    }

    [Theory]
    [DesignData]
    public void RstInActiveSynReceivedRefusesTheConnection(BenchDesign design)
    {
        // RFC 9293 3.10.7.4 second step, SYN-RECEIVED: "If this connection was initiated with an active OPEN
        // (i.e., came from SYN-SENT state), then the connection was refused; signal the user 'connection refused'."
        (TcpTestBench b, TcpConnection c, uint iss) = Enter(design);
        Send(b, TcpFlags.Syn, P);
        b.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack), Seq(iss), Ack(P + 1), Window(b.Wnd), NoPayload, Options(TcpTestBench.MssOnly));
        Send(b, TcpFlags.Rst, P + 1);
        b.ExpectNothing();
        Assert.Equal(TcpState.Closed, c.State);
        Assert.Equal(SocketError.ConnectionRefused, b.Handler.ConnectResult);
    }
}
