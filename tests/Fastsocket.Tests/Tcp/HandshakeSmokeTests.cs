using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp;

public class HandshakeSmokeTests
{
    [Theory]
    [DesignData]
    public void PassiveOpenWithAllOptionsAnswersSynAckWithTheSameOptions(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        var syn = new TcpOptions { HasMss = true, Mss = 1460, HasWindowScale = true, WindowScale = 7, SackPermitted = true, HasTimestamps = true, TsVal = 100 };
        Segment synAck = bench.PassiveSynReceived(1000, syn);
        Assert.True(synAck.Options.HasMss);
        Assert.Equal(1460, synAck.Options.Mss);
        Assert.True(synAck.Options.HasWindowScale);
        Assert.True(synAck.Options.SackPermitted);
        Assert.True(synAck.Options.HasTimestamps);
        Assert.Equal(100u, synAck.Options.TsEcr);
    }

    [Theory]
    [DesignData]
    public void SegmentToClosedPortIsAnsweredWithReset(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        bench.Inject(new Segment { Flags = TcpFlags.Syn, Seq = 5000 });
        bench.Expect(Flags(TcpFlags.Rst | TcpFlags.Ack), Seq(0u), Ack(5001u));
    }

    [Theory]
    [DesignData]
    public void EstablishedConnectionDeliversDataAndAcks(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (var connection, uint iss) = bench.PassiveEstablished(1000);
        bench.Inject(new Segment { Flags = TcpFlags.Ack | TcpFlags.Psh, Seq = 1001, Ack = iss + 1, Payload = [1, 2, 3] });
        var buffer = new byte[10];
        Assert.Equal(3, connection.Read(buffer));
        bench.Advance(40_000);
        bench.Expect(Flags(TcpFlags.Ack), Ack(1004u));
    }
}
