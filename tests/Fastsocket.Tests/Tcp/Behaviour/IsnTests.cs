using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>Initial sequence numbers (RFC 6528): keyed per 4-tuple, advancing with a 4 us clock.</summary>
public class IsnTests
{
    [Theory]
    [DesignData]
    public void IsnsDifferPerFourTupleAndAdvanceWithTheClock(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        TcpConnection a = bench.Engine.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, bench.Handler, localPort: 50000);
        uint isnA = bench.Expect().Seq;
        TcpConnection b = bench.Engine.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, bench.Handler, localPort: 50001);
        uint isnB = bench.Expect().Seq;
        TcpConnection c = bench.Engine.Connect(TcpTestBench.Remote, (ushort)(TcpTestBench.RemotePort + 1), bench.Handler, localPort: 50000);
        uint isnC = bench.Expect().Seq;
        Assert.Equal(3, new[] { isnA, isnB, isnC }.Distinct().Count());
        // Nothing like a global counter: neighbouring tuples are far apart.
        Assert.True(Math.Abs((long)isnB - isnA) > 1000 && Math.Abs((long)isnC - isnA) > 1000);

        // The same tuple one second later: M has advanced by 1 s / 4 us.
        a.Abort();
        b.Abort();
        c.Abort();
        bench.Drain();
        bench.Advance(1_000_000);
        bench.Engine.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, bench.Handler, localPort: 50000);
        uint later = bench.Expect().Seq;
        Assert.Equal(250_000u, unchecked(later - isnA));
    }

    [Theory]
    [DesignData]
    public void PassiveIsnsDifferPerFourTuple(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        bench.Engine.Listen(TcpTestBench.LocalPort, 16, bench.Handler);
        bench.Inject(new Segment { Flags = TcpFlags.Syn, Seq = 1 }, fromPort: 40000);
        uint first = bench.Expect().Seq;
        bench.Inject(new Segment { Flags = TcpFlags.Syn, Seq = 1 }, fromPort: 40001);
        uint second = bench.Expect().Seq;
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void DifferentKeysGiveDifferentIsns()
    {
        var key = new FlowKey(TcpTestBench.Local, 80, TcpTestBench.Remote, 40000);
        byte[] k1 = new byte[16];
        byte[] k2 = new byte[16];
        k2[0] = 1;
        Assert.NotEqual(new IsnGenerator(k1).Next(key, 0), new IsnGenerator(k2).Next(key, 0));
        var gen = new IsnGenerator(k1);
        Assert.Equal(gen.Next(key, 0) + 1, gen.Next(key, 4));
    }
}
