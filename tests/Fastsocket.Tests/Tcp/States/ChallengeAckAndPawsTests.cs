using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.States;

/// <summary>RFC 5961 challenge-ACK throttling (per connection, TcpConfig.ChallengeAcksPerSecond) and RFC 7323 PAWS.</summary>
public class ChallengeAckAndPawsTests
{
    private const uint N = TcpTestBench.PeerIss + 1;

    [Theory]
    [DesignData]
    public void ChallengeAckBudgetIsPerConnectionAndRefillsAfterOneSecond(BenchDesign design)
    {
        var b = new TcpTestBench(design, new TcpConfig { ReceiveBufferSize = 4096, ChallengeAcksPerSecond = 2 });
        (TcpConnection a, uint issA) = b.Established();
        (TcpConnection c, uint issC) = b.EstablishedFrom(40001);

        // Connection A spends its budget on in-window RSTs; the third is not answered.
        for (int i = 0; i < 2; i++)
        {
            b.Send(TcpFlags.Rst, N + 1);
            b.ExpectAck(issA + 1, N, 4096);
        }
        b.Send(TcpFlags.Rst, N + 1);
        b.ExpectNothing();

        // Connection B has a budget of its own (a global one is the CVE-2016-5696 side channel).
        for (int i = 0; i < 2; i++)
        {
            b.Send(TcpFlags.Syn, N, options: TcpTestBench.MssOnly, fromPort: 40001);
            Segment ack = b.Expect(Flags(TcpFlags.Ack), Seq(issC + 1), Ack(N));
            Assert.Equal((ushort)40001, ack.DestinationPort);
        }
        b.Send(TcpFlags.Syn, N, options: TcpTestBench.MssOnly, fromPort: 40001);
        b.ExpectNothing();

        // The budget refills one second of virtual time after the window opened, not before.
        b.Advance(999_999);
        b.Send(TcpFlags.Rst, N + 1);
        b.ExpectNothing();
        b.Advance(1);
        b.Send(TcpFlags.Rst, N + 1);
        b.ExpectAck(issA + 1, N, 4096);
        b.Send(TcpFlags.Syn, N, options: TcpTestBench.MssOnly, fromPort: 40001);
        Assert.Equal(TcpFlags.Ack, b.Expect().Flags);

        Assert.Equal(TcpState.Established, a.State);
        Assert.Equal(TcpState.Established, c.State);
        Assert.Equal(6, b.Engine.Statistics.ChallengeAcksSent);
    }

    [Theory]
    [DesignData]
    public void ThrottledChallengeAckStillDropsTheSegment(BenchDesign design)
    {
        var b = new TcpTestBench(design, new TcpConfig { ReceiveBufferSize = 4096, ChallengeAcksPerSecond = 1 });
        (TcpConnection a, uint iss) = b.Established();
        b.Send(TcpFlags.Ack, N, iss + 1 - 70_000, [1]);
        b.ExpectAck(iss + 1, N, 4096);
        b.Send(TcpFlags.Ack, N, iss + 1 - 70_000, [1]);
        b.ExpectNothing();
        Assert.Equal(0, a.Readable);
        Assert.Equal(TcpState.Established, a.State);
    }

    private static (TcpTestBench Bench, TcpConnection Connection, uint Iss) EstablishedWithTimestamps(BenchDesign design)
    {
        TcpTestBench b = TcpTestBench.Small(design);
        (TcpConnection c, uint iss) = b.PassiveEstablished(TcpTestBench.PeerIss,
            new TcpOptions { HasMss = true, Mss = 1460, HasTimestamps = true, TsVal = 100 });
        Assert.True(c.TimestampsEnabled);
        Assert.Equal(101u, c.TsRecent);
        return (b, c, iss);
    }

    [Theory]
    [DesignData]
    public void PawsRejectsOldTimestampWithAck(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = EstablishedWithTimestamps(design);
        b.Send(TcpFlags.Ack, N, iss + 1, [1, 2], options: new TcpOptions { HasTimestamps = true, TsVal = 100, TsEcr = 1 });
        b.Expect(Flags(TcpFlags.Ack), Seq(iss + 1), Ack(N), Window(4096), NoPayload, Options(new TcpOptions { HasTimestamps = true, TsVal = c.TimestampNow, TsEcr = 101 }));
        b.ExpectNothing();
        Assert.Equal(0, c.Readable);
        Assert.Equal(101u, c.TsRecent);
        Assert.Equal(TcpState.Established, c.State);
    }

    [Theory]
    [DesignData]
    public void EqualTimestampPassesPaws(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = EstablishedWithTimestamps(design);
        b.Send(TcpFlags.Ack, N, iss + 1, [1, 2], options: new TcpOptions { HasTimestamps = true, TsVal = 101, TsEcr = 1 });
        Assert.Equal(2, c.Readable);
    }

    [Theory]
    [DesignData]
    public void NewerTimestampUpdatesTsRecent(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = EstablishedWithTimestamps(design);
        b.Send(TcpFlags.Ack, N, iss + 1, [1], options: new TcpOptions { HasTimestamps = true, TsVal = 500, TsEcr = 1 });
        Assert.Equal(500u, c.TsRecent);
    }

    [Theory]
    [DesignData]
    public void PawsDoesNotApplyToRst(BenchDesign design)
    {
        (TcpTestBench b, TcpConnection c, uint iss) = EstablishedWithTimestamps(design);
        b.Send(TcpFlags.Rst | TcpFlags.Ack, N, iss + 1, options: new TcpOptions { HasTimestamps = true, TsVal = 5, TsEcr = 1 });
        b.ExpectNothing();
        Assert.Equal(TcpState.Closed, c.State);
    }
}
