using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>Keep-alives (RFC 9293 3.8.4 / RFC 1122 4.2.3.6).</summary>
public class KeepAliveTests
{
    private const long Idle = 10_000_000;
    private const long Interval = 1_000_000;
    private const uint PeerIss = 1000;

    private static TcpConfig Config() => new()
    {
        KeepAliveIdleMicroseconds = Idle,
        KeepAliveIntervalMicroseconds = Interval,
        KeepAliveProbes = 3,
    };

    private static void ExpectProbe(TcpTestBench bench, uint iss)
    {
        Segment probe = bench.Expect(Flags(TcpFlags.Ack));
        // SEG.SEQ = SND.UNA - 1: a sequence number the peer has already acknowledged, so it must answer.
        Assert.Equal(iss, probe.Seq);
        Assert.Equal(PeerIss + 1, probe.Ack);
        Assert.True(probe.Payload.Length <= 1);
        bench.ExpectNothing();
    }

    [Theory]
    [DesignData]
    public void NoProbesWhenKeepAliveIsOff(BenchDesign design)
    {
        var bench = new TcpTestBench(design, Config());
        (TcpConnection connection, _) = bench.PassiveEstablished(PeerIss);
        bench.Advance(10 * Idle);
        bench.ExpectNothing();
        Assert.Equal(TcpState.Established, connection.State);
    }

    [Theory]
    [DesignData]
    public void AnsweredProbesKeepTheConnection(BenchDesign design)
    {
        var bench = new TcpTestBench(design, Config());
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        connection.KeepAlive = true;
        for (int round = 0; round < 3; round++)
        {
            bench.Advance(Idle - 1);
            bench.ExpectNothing();
            bench.Advance(1);
            ExpectProbe(bench, iss);
            bench.Advance(Interval / 2);
            bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = iss + 1 });
            bench.ExpectNothing();
        }
        Assert.Equal(TcpState.Established, connection.State);
        Assert.Null(bench.Handler.CloseResult);
    }

    [Theory]
    [DesignData]
    public void UnansweredProbesTimeTheConnectionOut(BenchDesign design)
    {
        var bench = new TcpTestBench(design, Config());
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        connection.KeepAlive = true;
        bench.Advance(Idle);
        ExpectProbe(bench, iss);
        for (int i = 1; i < 3; i++)
        {
            bench.Advance(Interval - 1);
            bench.ExpectNothing();
            bench.Advance(1);
            ExpectProbe(bench, iss);
        }
        bench.Advance(Interval - 1);
        bench.ExpectNothing();
        Assert.Equal(TcpState.Established, connection.State);
        bench.Advance(1);
        Assert.Equal(SocketError.TimedOut, bench.Handler.CloseResult);
        Assert.Equal(TcpState.Closed, connection.State);
        Assert.Equal(0, bench.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData]
    public void TrafficPostponesTheFirstProbe(BenchDesign design)
    {
        var bench = new TcpTestBench(design, Config());
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss);
        connection.KeepAlive = true;
        bench.Advance(Idle / 2);
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = iss + 1, Window = 65000 });
        bench.Advance(Idle - 1);
        bench.ExpectNothing();
        bench.Advance(1);
        ExpectProbe(bench, iss);
    }
}
