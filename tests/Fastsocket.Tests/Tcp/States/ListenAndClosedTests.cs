using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.States;

/// <summary>LISTEN (RFC 9293 3.10.7.2) and CLOSED, i.e. no connection and no listener (3.10.7.1).</summary>
public class ListenAndClosedTests
{
    private static TcpTestBench Listening(BenchDesign design)
    {
        TcpTestBench bench = TcpTestBench.Small(design);
        bench.Engine.Listen(TcpTestBench.LocalPort, 4, bench.Handler);
        return bench;
    }

    [Theory]
    [DesignData]
    public void ListenAnswersSynWithSynAckAndEntersSynReceived(BenchDesign design)
    {
        TcpTestBench b = Listening(design);
        b.Send(TcpFlags.Syn, 5000, options: TcpTestBench.MssOnly);
        Segment synAck = b.Expect();
        b.ExpectNothing();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(5001u, synAck.Ack);
        Assert.Equal(b.Wnd, synAck.Window);
        Assert.True(synAck.Options.HasMss);
        Assert.False(synAck.Options.HasTimestamps);
        Assert.False(synAck.Options.HasWindowScale);
        Assert.False(synAck.Options.SackPermitted);
        Assert.Equal(TcpState.SynReceived, b.Find()!.State);
    }

    [Theory]
    [DesignData]
    public void ListenIgnoresRst(BenchDesign design)
    {
        TcpTestBench b = Listening(design);
        b.Send(TcpFlags.Rst, 5000);
        b.Send(TcpFlags.Rst | TcpFlags.Ack, 5000, 77);
        b.ExpectNothing();
        Assert.Equal(0, b.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData(TcpFlags.Ack)]
    [DesignData(TcpFlags.Ack | TcpFlags.Fin)]
    [DesignData(TcpFlags.Ack | TcpFlags.Syn)]
    public void ListenResetsAnythingWithAnAck(BenchDesign design, TcpFlags flags)
    {
        TcpTestBench b = Listening(design);
        b.Send(flags, 5000, 123_456, [1, 2]);
        b.Expect(Flags(TcpFlags.Rst), Seq(123_456), Ack(0), Window(0), NoPayload, NoOptions);
        b.ExpectNothing();
        Assert.Equal(0, b.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData(TcpFlags.Fin)]
    [DesignData(TcpFlags.Psh)]
    [DesignData(TcpFlags.None)]
    public void ListenDropsSegmentsWithoutSynOrAck(BenchDesign design, TcpFlags flags)
    {
        TcpTestBench b = Listening(design);
        b.Send(flags, 5000, payload: [1]);
        b.ExpectNothing();
        Assert.Equal(0, b.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData]
    public void SynWithFinIsDropped(BenchDesign design)
    {
        TcpTestBench b = Listening(design);
        b.Send(TcpFlags.Syn | TcpFlags.Fin, 5000);
        b.ExpectNothing();
        Assert.Equal(0, b.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData]
    public void ClosedPortAnswersSegmentWithoutAckWithRstAck(BenchDesign design)
    {
        // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
        TcpTestBench b = TcpTestBench.Small(design);
        b.Send(TcpFlags.Psh, 5000, payload: [1, 2, 3], toPort: 81);
        b.Expect(Flags(TcpFlags.Rst | TcpFlags.Ack), Seq(0), Ack(5003), Window(0), NoPayload, NoOptions);
        b.Send(TcpFlags.Fin, 6000, toPort: 81);
        b.Expect(Flags(TcpFlags.Rst | TcpFlags.Ack), Seq(0), Ack(6001), Window(0), NoPayload, NoOptions);
        b.Send(TcpFlags.Syn, 7000, options: TcpTestBench.MssOnly, toPort: 81);
        b.Expect(Flags(TcpFlags.Rst | TcpFlags.Ack), Seq(0), Ack(7001), Window(0), NoPayload, NoOptions);
        b.Send(TcpFlags.None, 8000, toPort: 81);
        b.Expect(Flags(TcpFlags.Rst | TcpFlags.Ack), Seq(0), Ack(8000), Window(0), NoPayload, NoOptions);
        b.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void ClosedPortAnswersSegmentWithAckWithRstFromSegAck(BenchDesign design)
    {
        // <SEQ=SEG.ACK><CTL=RST>
        TcpTestBench b = TcpTestBench.Small(design);
        b.Send(TcpFlags.Ack, 5000, 999, [1, 2, 3], toPort: 81);
        b.Expect(Flags(TcpFlags.Rst), Seq(999), Ack(0), Window(0), NoPayload, NoOptions);
        b.Send(TcpFlags.Ack | TcpFlags.Fin, 5000, 0xFFFF_FFF0, toPort: 81);
        b.Expect(Flags(TcpFlags.Rst), Seq(0xFFFF_FFF0), Ack(0), Window(0), NoPayload, NoOptions);
        b.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void ClosedPortNeverAnswersRst(BenchDesign design)
    {
        TcpTestBench b = TcpTestBench.Small(design);
        b.Send(TcpFlags.Rst, 5000, toPort: 81);
        b.Send(TcpFlags.Rst | TcpFlags.Ack, 5000, 10, toPort: 81);
        b.ExpectNothing();
    }
}
