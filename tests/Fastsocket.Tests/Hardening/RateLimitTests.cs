using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

/// <summary>
/// Replies that a flood of forged segments could multiply are bounded, and each suppressed reply is counted: per
/// engine, resets for segments that match no connection, TIME-WAIT ACKs and ICMP echo replies (token buckets on the
/// engine's clock); per connection, ACKs to invalid empty segments and challenge ACKs (never one budget for all
/// connections, which is the CVE-2016-5696 side channel). All on the virtual clock: "one instant" is one clock value.
/// </summary>
public sealed class RateLimitTests
{
    private const uint N = TcpTestBench.PeerIss + 1;

    [Fact]
    public void ResetsToAClosedPortAreLimitedToTheBurstAndRefillOverASecond()
    {
        var b = new TcpTestBench();
        for (int i = 0; i < 2000; i++)
        {
            b.Send(TcpFlags.Ack, 5000, (uint)(9000 + i), fromPort: (ushort)(20000 + i));
        }
        Assert.Equal(1000, b.Device.Sent.Count);
        Assert.All(b.Device.Sent, p => Assert.Equal(TcpFlags.Rst, TcpTestBench.Parse(p).Flags));
        Assert.Equal(1000, b.Engine.Statistics.ResetsSent);
        Assert.Equal(1000, b.Engine.Statistics.RstRateLimited);
        // Every segment was still counted as what it was.
        Assert.Equal(2000, b.Engine.Statistics.Drops[DropReason.TcpNoListener]);
        b.Device.Sent.Clear();

        // Half a second refills half the bucket; a full second all of it.
        b.Advance(500_000);
        for (int i = 0; i < 600; i++)
        {
            b.Send(TcpFlags.Ack, 5000, 1, fromPort: (ushort)(30000 + i));
        }
        Assert.Equal(500, b.Device.Sent.Count);
        b.Device.Sent.Clear();
        b.Advance(1_000_000);
        for (int i = 0; i < 1000; i++)
        {
            b.Send(TcpFlags.Ack, 5000, 1, fromPort: (ushort)(30000 + i));
        }
        Assert.Equal(1000, b.Device.Sent.Count);
        Assert.Equal(1100, b.Engine.Statistics.RstRateLimited);
    }

    [Fact]
    public void ResetsForAcksToAListenerShareTheBucket()
    {
        var b = new TcpTestBench(new TcpConfig { ResetsPerSecond = 10, ResetBurst = 3 });
        b.Engine.Listen(TcpTestBench.LocalPort, 16, b.Handler);
        for (int i = 0; i < 5; i++)
        {
            b.Send(TcpFlags.Ack, 5000, 7, fromPort: (ushort)(20000 + i));
        }
        Assert.Equal(3, b.Device.Sent.Count);
        Assert.Equal(2, b.Engine.Statistics.RstRateLimited);
        b.Device.Sent.Clear();
        b.Advance(100_000);
        b.Send(TcpFlags.Ack, 5000, 7, fromPort: 21000);
        b.Expect(TcpFlags.Rst, 7, 0, 0);
    }

    [Fact]
    public void TimeWaitAcksAreLimitedPerEngine()
    {
        TcpTestBench b = TcpTestBench.Small();
        (_, uint iss) = b.TimeWait();
        b.Device.Sent.Clear();
        // Retransmitted FINs: each asks the record for an ACK.
        for (int i = 0; i < 150; i++)
        {
            b.Send(TcpFlags.Fin | TcpFlags.Ack, N, iss + 2);
        }
        Assert.Equal(100, b.Device.Sent.Count);
        Assert.Equal(50, b.Engine.Statistics.TimeWaitAckRateLimited);
        Assert.Equal(1, b.Engine.TimeWaitCount);
        b.Device.Sent.Clear();
        b.Advance(10_000);
        for (int i = 0; i < 20; i++)
        {
            b.Send(TcpFlags.Fin | TcpFlags.Ack, N, iss + 2);
        }
        // 10 ms at 1000/s: 10 tokens.
        Assert.Equal(10, b.Device.Sent.Count);
    }

    [Fact]
    public void EchoRepliesAreLimitedPerEngine()
    {
        var b = new TcpTestBench();
        for (int i = 0; i < 60; i++)
        {
            var packet = new byte[IPv4Header.Length + IcmpV4Packet.HeaderLength + 4];
            int length = IcmpV4Writer.WriteEcho(packet.AsSpan(IPv4Header.Length), reply: false, 1, (ushort)i, "ping"u8);
            IPv4Header.Write(packet, TcpTestBench.Remote, TcpTestBench.Local, IpProtocol.Icmp, length, 1);
            b.InjectRaw(packet);
        }
        Assert.Equal(50, b.Device.Sent.Count);
        Assert.Equal(50, b.Engine.Statistics.IcmpEchoReplies);
        Assert.Equal(10, b.Engine.Statistics.IcmpRateLimited);
    }

    [Fact]
    public void OutOfWindowAcksAreLimitedPerConnectionAndAnotherConnectionIsUnaffected()
    {
        TcpTestBench b = TcpTestBench.Small();
        (TcpConnection a, uint issA) = b.Established();
        (TcpConnection c, uint issC) = b.EstablishedFrom(40001);

        // A flood of empty segments far outside A's window: the first is answered, the rest within 500 ms are not.
        for (int i = 0; i < 100; i++)
        {
            b.Send(TcpFlags.Ack, N + 100_000, issA + 1);
        }
        b.ExpectAck(issA + 1, N, 4096);
        b.ExpectNothing();
        Assert.Equal(99, b.Engine.Statistics.OutOfWindowAckRateLimited);
        Assert.Equal(100, b.Engine.Statistics.Drops[DropReason.TcpOutOfWindow]);

        // C has its own limit: answered at once.
        b.Send(TcpFlags.Ack, N + 100_000, issC + 1, fromPort: 40001);
        Segment ack = b.Expect();
        Assert.Equal((ushort)40001, ack.DestinationPort);
        Assert.Equal(issC + 1, ack.Seq);

        // A segment with data is a retransmission and always gets its duplicate ACK.
        b.Send(TcpFlags.Ack, N - 10, issA + 1, [1, 2, 3]);
        b.ExpectAck(issA + 1, N, 4096);

        // 500 ms after the first answer A answers again.
        b.Advance(499_999);
        b.Send(TcpFlags.Ack, N + 100_000, issA + 1);
        b.ExpectNothing();
        b.Advance(1);
        b.Send(TcpFlags.Ack, N + 100_000, issA + 1);
        b.ExpectAck(issA + 1, N, 4096);
        Assert.Equal(TcpState.Established, a.State);
        Assert.Equal(TcpState.Established, c.State);
    }

    [Fact]
    public void SuppressedChallengeAcksAreCountedNotDropped()
    {
        var b = new TcpTestBench(new TcpConfig { ReceiveBufferSize = 4096, ChallengeAcksPerSecond = 2 });
        (_, uint iss) = b.Established();
        for (int i = 0; i < 5; i++)
        {
            b.Send(TcpFlags.Rst, N + 1);
        }
        b.ExpectAck(iss + 1, N, 4096);
        b.ExpectAck(iss + 1, N, 4096);
        b.ExpectNothing();
        Assert.Equal(2, b.Engine.Statistics.ChallengeAcksSent);
        Assert.Equal(3, b.Engine.Statistics.ChallengeAckRateLimited);
        Assert.Equal(0, b.Engine.Statistics.Drops[DropReason.TcpRateLimited]);
    }
}
