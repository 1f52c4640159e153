using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Time;
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

    private static byte[] Packet(Segment s, ushort fromPort = TcpTestBench.RemotePort, ushort toPort = TcpTestBench.LocalPort,
        IpAddress? from = null, IpAddress? to = null) =>
        PacketBuilder.Tcp(from ?? TcpTestBench.Remote, fromPort, to ?? TcpTestBench.Local, toPort)
            .Flags(s.Flags).Seq(s.Seq).Ack(s.Ack).Window(s.Window).Options(s.Options).Payload(s.Payload).Build();

    [Fact]
    public void ResetsToAClosedPortAreLimitedToTheBurstAndRefillOverASecond()
    {
        var b = new TcpTestBench(BenchDesign.Standalone);
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
        var b = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { ResetsPerSecond = 10, ResetBurst = 3 });
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
        b.Expect(Check.Flags(TcpFlags.Rst), Check.Seq(7), Check.Ack(0), Check.Window(0), Check.NoPayload, Check.NoOptions);
    }

    [Fact]
    public void TimeWaitAcksAreLimitedPerEngine()
    {
        TcpTestBench b = TcpTestBench.Small(BenchDesign.Standalone);
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
        var b = new TcpTestBench(BenchDesign.Standalone);
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
        TcpTestBench b = TcpTestBench.Small(BenchDesign.Standalone);
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
        var b = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { ReceiveBufferSize = 4096, ChallengeAcksPerSecond = 2 });
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

    /// <summary>A device that keeps nothing: counts what is sent, so measuring allocations measures the engine alone.</summary>
    private sealed class CountingDevice : IPacketDevice
    {
        public int Mtu => 1500;

        public long Transmitted { get; private set; }

        public int Poll(IPacketReceiver receiver, int maxPackets) => 0;

        public void Transmit(ReadOnlySpan<byte> packet) => Transmitted++;

        public void Flush()
        {
        }
    }

    [Fact]
    public void WhatAFloodDrivesAllocatesNothing()
    {
        // The per-packet paths a flood exercises: cookie SYN-ACKs, forged cookie ACKs, martian and land drops, resets
        // through the bucket (sent and suppressed) and echo replies through theirs. No allocation, as the rest of the
        // hot path (only a validated cookie rents a connection, as the stateful path does).
        var device = new CountingDevice();
        var clock = new VirtualClock();
        var engine = new NetworkEngine(new EngineOptions
        {
            LocalAddress = TcpTestBench.Local,
            Device = device,
            Clock = clock,
            RandomSeed = 1,
            SynCookieKey = TcpTestBench.CookieKey,
            Tcp = new TcpConfig { ResetsPerSecond = 10, ResetBurst = 10 },
        });
        engine.Listen(TcpTestBench.LocalPort, 2);
        const int Rounds = 200;
        byte[][] syns = new byte[Rounds + 3][];
        byte[][] forged = new byte[Rounds][];
        byte[][] closed = new byte[Rounds][];
        var options = new TcpOptions { HasMss = true, Mss = 1460, HasWindowScale = true, WindowScale = 7, SackPermitted = true, HasTimestamps = true, TsVal = 1 };
        for (int i = 0; i < syns.Length; i++)
        {
            syns[i] = Packet(new Segment { Flags = TcpFlags.Syn, Seq = (uint)i, Options = options }, (ushort)(20000 + i));
        }
        for (int i = 0; i < Rounds; i++)
        {
            forged[i] = Packet(new Segment { Flags = TcpFlags.Ack, Seq = 1, Ack = (uint)i }, (ushort)(30000 + i));
            closed[i] = Packet(new Segment { Flags = TcpFlags.Ack, Seq = 1, Ack = 1 }, (ushort)(30000 + i), 81);
        }
        byte[] martian = Packet(new Segment { Flags = TcpFlags.Syn, Seq = 1 }, from: IpAddress.FromIPv4(224, 0, 0, 1));
        byte[] land = Packet(new Segment { Flags = TcpFlags.Syn, Seq = 1 }, from: TcpTestBench.Local);
        var echo = new byte[IPv4Header.Length + IcmpV4Packet.HeaderLength + 4];
        int echoLength = IcmpV4Writer.WriteEcho(echo.AsSpan(IPv4Header.Length), reply: false, 1, 1, "ping"u8);
        IPv4Header.Write(echo, TcpTestBench.Remote, TcpTestBench.Local, IpProtocol.Icmp, echoLength, 1);

        // Fill the half-open queue (this allocates connections) and warm every path up once.
        for (int i = 0; i < 4; i++)
        {
            engine.Receive(syns[i]);
        }
        engine.Receive(forged[0]);
        engine.Receive(closed[0]);
        engine.Receive(martian);
        engine.Receive(land);
        engine.Receive(echo);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Rounds; i++)
        {
            engine.Receive(syns[3 + i]);
            engine.Receive(forged[i]);
            engine.Receive(closed[i]);
            engine.Receive(martian);
            engine.Receive(land);
            engine.Receive(echo);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Rounds + 1, engine.Statistics.SynCookiesSent);
        Assert.Equal(Rounds + 1, engine.Statistics.SynCookiesRejected);
        Assert.True(engine.Statistics.IcmpRateLimited > 0);
        Assert.True(engine.Statistics.RstRateLimited > 0);
        Assert.Equal(3, engine.ConnectionCount);
        Assert.Equal(0, allocated);
    }
}
