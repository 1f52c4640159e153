using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.States;

/// <summary>
/// TIME-WAIT, held by the engine as a compact record: SND.NXT = ISS + 2, RCV.NXT = PeerIss + 2. RFC 9293 3.10.7.4,
/// RFC 5961 for RST and SYN, RFC 6191 for reuse of the 4-tuple by a new SYN.
/// </summary>
public class TimeWaitTests
{
    private const uint N = TcpTestBench.PeerIss + 2;

    private static (TcpTestBench Bench, TcpConnection Connection, uint SndNxt) Enter(BenchDesign design)
    {
        TcpTestBench bench = TcpTestBench.Small(design);
        (TcpConnection c, uint iss) = bench.TimeWait();
        return (bench, c, iss + 2);
    }

    private static void AssertStillTimeWait(TcpTestBench b)
    {
        b.ExpectNothing();
        Assert.Equal(1, b.Engine.TimeWaitCount);
        Assert.Equal(0, b.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData]
    public void RecordExpiresAfterTimeWaitInterval(BenchDesign design)
    {
        (TcpTestBench b, _, uint snd) = Enter(design);
        b.Advance(b.Config.TimeWaitMicroseconds - 1);
        AssertStillTimeWait(b);
        b.Advance(1);
        Assert.Equal(0, b.Engine.TimeWaitCount);

        // The tuple is gone: an ACK now reaches the listener, which resets it.
        b.Send(TcpFlags.Ack, N, snd);
        b.Expect(Flags(TcpFlags.Rst), Seq(snd), Ack(0), Window(0), NoPayload, NoOptions);
    }

    [Theory]
    [DesignData]
    public void RetransmittedFinIsAckedAgainAndRestarts2Msl(BenchDesign design)
    {
        (TcpTestBench b, _, uint snd) = Enter(design);
        long t = b.Config.TimeWaitMicroseconds;
        b.Advance(t / 2);
        b.Send(TcpFlags.Fin | TcpFlags.Ack, N - 1, snd);
        b.ExpectAck(snd, N, b.WndAfterFin);
        AssertStillTimeWait(b);
        b.Advance(t - 1);
        AssertStillTimeWait(b);
        b.Advance(1);
        Assert.Equal(0, b.Engine.TimeWaitCount);
    }

    [Theory]
    [DesignData(0u)]
    [DesignData(4094u)]
    public void AcceptableBareAckIsIgnored(BenchDesign design, uint offset)
    {
        // RCV.WND after the peer's FIN is 4095: RCV.NXT and RCV.NXT + RCV.WND - 1 are acceptable.
        (TcpTestBench b, _, uint snd) = Enter(design);
        b.Send(TcpFlags.Ack, N + offset, snd);
        AssertStillTimeWait(b);
    }

    [Theory]
    [DesignData(-1)]
    [DesignData(4095)]
    [DesignData(100_000)]
    public void UnacceptableEmptyAckIsAcked(BenchDesign design, int offset)
    {
        // Before RCV.NXT, at the right edge (RCV.WND = 4095), and far beyond: RFC 9293 3.10.7.4 first step.
        (TcpTestBench b, _, uint snd) = Enter(design);
        b.Send(TcpFlags.Ack, (uint)(N + offset), snd);
        b.ExpectAck(snd, N, b.WndAfterFin);
        AssertStillTimeWait(b);
    }

    [Theory]
    [DesignData(0)]
    [DesignData(4094)]
    [DesignData(4095)]
    [DesignData(-3)]
    public void DataIsAckedAndIgnored(BenchDesign design, int offset)
    {
        (TcpTestBench b, _, uint snd) = Enter(design);
        b.Send(TcpFlags.Ack, (uint)(N + offset), snd, [1, 2, 3]);
        b.ExpectAck(snd, N, b.WndAfterFin);
        AssertStillTimeWait(b);
    }

    [Theory]
    [DesignData]
    public void RstAtRcvNxtRemovesTheRecordSilently(BenchDesign design)
    {
        (TcpTestBench b, _, _) = Enter(design);
        b.Send(TcpFlags.Rst, N);
        b.ExpectNothing();
        Assert.Equal(0, b.Engine.TimeWaitCount);
    }

    [Theory]
    [DesignData(1u)]
    [DesignData(4094u)]
    public void RstInWindowButNotExactGetsChallengeAck(BenchDesign design, uint offset)
    {
        (TcpTestBench b, _, uint snd) = Enter(design);
        b.Send(TcpFlags.Rst, N + offset);
        b.ExpectAck(snd, N, b.WndAfterFin);
        AssertStillTimeWait(b);
    }

    [Theory]
    [DesignData(4095u)]
    [DesignData(0xFFFF_FFFFu)]
    public void RstOutsideWindowIsDroppedSilently(BenchDesign design, uint offset)
    {
        (TcpTestBench b, _, _) = Enter(design);
        b.Send(TcpFlags.Rst, N + offset);
        AssertStillTimeWait(b);
    }

    [Theory]
    [DesignData]
    public void SynWithHigherSequenceReusesTheTuple(BenchDesign design)
    {
        // RFC 6191 without timestamps falls back to RFC 1122 4.2.2.13: a SYN beyond RCV.NXT may reopen the tuple.
        (TcpTestBench b, _, uint snd) = Enter(design);
        b.Send(TcpFlags.Syn, N + 1, options: TcpTestBench.MssOnly);
        Segment synAck = b.Expect();
        b.ExpectNothing();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(N + 2, synAck.Ack);
        Assert.True((int)(synAck.Seq - snd) > 0, $"new ISS {synAck.Seq} must lie beyond the old SND.NXT {snd}");
        Assert.Equal(0, b.Engine.TimeWaitCount);
        Assert.Equal(TcpState.SynReceived, b.Find()!.State);
        Assert.Equal(1, b.Engine.Statistics.TimeWaitReused);
    }

    [Theory]
    [DesignData(0)]
    [DesignData(-1)]
    [DesignData(-100_000)]
    public void SynThatIsNotNewerGetsAnAck(BenchDesign design, int offset)
    {
        (TcpTestBench b, _, uint snd) = Enter(design);
        b.Send(TcpFlags.Syn, (uint)(N + offset), options: TcpTestBench.MssOnly);
        b.ExpectAck(snd, N, b.WndAfterFin);
        AssertStillTimeWait(b);
    }

    [Theory]
    [DesignData]
    public void SynAckGetsChallengeAck(BenchDesign design)
    {
        (TcpTestBench b, _, uint snd) = Enter(design);
        b.Send(TcpFlags.Syn | TcpFlags.Ack, N + 10, snd, options: TcpTestBench.MssOnly);
        b.ExpectAck(snd, N, b.WndAfterFin);
        AssertStillTimeWait(b);
    }

    [Theory]
    [DesignData]
    public void ConnectToATupleInTimeWaitIsRefusedLocally(BenchDesign design)
    {
        (TcpTestBench b, _, _) = Enter(design);
        var error = Assert.Throws<SocketException>(() =>
            b.Engine.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, null, TcpTestBench.LocalPort));
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    // ------------------------------------------------------------ with timestamps (RFC 6191 proper)

    private static (TcpTestBench Bench, TcpConnection Connection, uint SndNxt) EnterWithTimestamps(BenchDesign design)
    {
        TcpTestBench b = TcpTestBench.Small(design);
        const uint p = TcpTestBench.PeerIss;
        (TcpConnection c, uint iss) = b.PassiveEstablished(p, new TcpOptions { HasMss = true, Mss = 1460, HasTimestamps = true, TsVal = 100 });
        Assert.True(c.TimestampsEnabled);
        c.Shutdown();
        b.Engine.FlushPending();
        Segment fin = b.Expect(Flags(TcpFlags.Fin | TcpFlags.Ack));
        b.Send(TcpFlags.Ack, p + 1, iss + 2, options: new TcpOptions { HasTimestamps = true, TsVal = 102, TsEcr = fin.Options.TsVal });
        Assert.Equal(TcpState.FinWait2, c.State);
        b.Send(TcpFlags.Fin | TcpFlags.Ack, p + 1, iss + 2, options: new TcpOptions { HasTimestamps = true, TsVal = 103, TsEcr = fin.Options.TsVal });
        Segment ack = b.Expect(Flags(TcpFlags.Ack));
        Assert.Equal(103u, ack.Options.TsEcr);
        Assert.Equal(1, b.Engine.TimeWaitCount);
        return (b, c, iss + 2);
    }

    [Theory]
    [DesignData]
    public void SynWithNewerTimestampReusesEvenWithLowerSequence(BenchDesign design)
    {
        (TcpTestBench b, _, _) = EnterWithTimestamps(design);
        b.Send(TcpFlags.Syn, 10, options: new TcpOptions { HasMss = true, Mss = 1460, HasTimestamps = true, TsVal = 104 });
        Segment synAck = b.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack), Ack(11u));
        Assert.Equal(104u, synAck.Options.TsEcr);
        Assert.Equal(0, b.Engine.TimeWaitCount);
    }

    [Theory]
    [DesignData]
    public void SynWithEqualTimestampAndHigherSequenceReusesTheTuple(BenchDesign design)
    {
        // Linux's tie-break (documented on TimeWaitTable.AllowsReuse): same millisecond, newer sequence number.
        (TcpTestBench b, _, _) = EnterWithTimestamps(design);
        b.Send(TcpFlags.Syn, N + 1000, options: new TcpOptions { HasMss = true, Mss = 1460, HasTimestamps = true, TsVal = 103 });
        b.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack), Ack(N + 1001));
        Assert.Equal(0, b.Engine.TimeWaitCount);
    }

    [Theory]
    [DesignData(102u)]
    [DesignData(50u)]
    public void SynWithOldTimestampGetsAckEvenWithHigherSequence(BenchDesign design, uint tsVal)
    {
        (TcpTestBench b, TcpConnection c, uint snd) = EnterWithTimestamps(design);
        b.Send(TcpFlags.Syn, N + 1000, options: new TcpOptions { HasMss = true, Mss = 1460, HasTimestamps = true, TsVal = tsVal });
        b.Expect(Flags(TcpFlags.Ack), Seq(snd), Ack(N), Window(b.WndAfterFin), NoPayload, Options(new TcpOptions { HasTimestamps = true, TsVal = c.TimestampNow, TsEcr = 103 }));
        AssertStillTimeWait(b);
    }
}
