using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Fastsocket.Devices;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

/// <summary>
/// ICMP errors about our connections, packet by packet on the virtual clock (RFC 1122 4.2.3.9, RFC 5927, RFC 1191):
/// the quote must name a segment in flight; fragmentation-needed lowers the path MTU and resends in pieces that fit;
/// unreachable fails a connect at once and is a soft error later, reported only if the connection times out.
/// </summary>
public sealed class IcmpErrorTests
{
    private static readonly IpAddress Router = IpAddress.FromIPv4(198, 18, 3, 254);

    /// <summary>An ICMP destination-unreachable from a router to us, quoting <paramref name="offending"/> (a packet we sent).</summary>
    private static byte[] Unreachable(byte code, ReadOnlySpan<byte> offending, ushort nextHopMtu = 0, IpAddress? to = null)
    {
        var packet = new byte[IPv4Header.Length + IcmpV4Packet.HeaderLength + 28];
        int length = IcmpV4Writer.WriteDestinationUnreachable(packet.AsSpan(IPv4Header.Length), code, offending, nextHopMtu);
        IPv4Header.Write(packet, Router, to ?? TcpTestBench.Local, IpProtocol.Icmp, length, 7);
        return packet[..(IPv4Header.Length + length)];
    }

    /// <summary>A copy of one of our packets with another TCP sequence number (what a blind attacker would quote).</summary>
    private static byte[] WithSequence(byte[] packet, uint sequence)
    {
        byte[] copy = (byte[])packet.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(IPv4Header.Length + 4), sequence);
        return copy;
    }

    private static uint SequenceOf(byte[] packet) => BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(IPv4Header.Length + 4));

    private static List<byte[]> Drain(TcpTestBench bench)
    {
        var sent = new List<byte[]>();
        while (bench.Device.Sent.Count > 0)
        {
            sent.Add(bench.Device.Sent.Dequeue());
        }
        return sent;
    }

    /// <summary>An established passive connection (MSS 1460, no options) with a bulk write in flight.</summary>
    private static (TcpTestBench Bench, TcpConnection Connection, List<byte[]> InFlight) BulkSending(TcpConfig? config = null)
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, config);
        (TcpConnection connection, _) = bench.Established();
        Assert.Equal(64 * 1024, connection.Write(new byte[64 * 1024]));
        bench.Engine.Poll();
        List<byte[]> inFlight = Drain(bench);
        Assert.True(inFlight.Count >= 2, "the initial window sends several segments");
        Assert.All(inFlight, p => Assert.Equal(1500, p.Length));
        return (bench, connection, inFlight);
    }

    [Fact]
    public void FragmentationNeededLowersThePathMtuAndResendsWhatWasInFlightInPiecesThatFit()
    {
        (TcpTestBench bench, TcpConnection connection, List<byte[]> inFlight) = BulkSending();
        uint first = SequenceOf(inFlight[0]);

        bench.InjectRaw(Unreachable(IcmpV4Packet.CodeFragmentationNeeded, inFlight[0], nextHopMtu: 1280));

        Assert.Equal(1280, connection.PathMtu);
        Assert.Equal(1240, connection.SendMss);
        Assert.Equal(1, bench.Engine.Statistics.PathMtuLowered);
        Assert.Equal(1, bench.Engine.Statistics.IcmpErrorsApplied);
        List<byte[]> resent = Drain(bench);
        Assert.NotEmpty(resent);
        // The in-flight segment is sent again at once, from SND.UNA, and nothing sent is above 1280 bytes of IP.
        Assert.Equal(first, SequenceOf(resent[0]));
        Assert.All(resent, p => Assert.True(p.Length <= 1280, $"a {p.Length}-byte packet after the path MTU fell to 1280"));
        Assert.Equal(1280, resent[0].Length);
        Assert.Equal(TcpState.Established, connection.State);

        // Later segments, sent as ACKs open the window, fit too.
        Segment last = TcpTestBench.Parse(resent[^1]);
        bench.Send(TcpFlags.Ack, TcpTestBench.PeerIss + 1, last.Seq + (uint)last.Payload.Length);
        List<byte[]> later = Drain(bench);
        Assert.NotEmpty(later);
        Assert.All(later, p => Assert.True(p.Length <= 1280, $"a {p.Length}-byte packet after the path MTU fell to 1280"));
    }

    [Fact]
    public void FragmentationNeededNeverRaisesThePathMtuAndStopsAtTheFloor()
    {
        (TcpTestBench bench, TcpConnection connection, List<byte[]> inFlight) = BulkSending();
        bench.InjectRaw(Unreachable(IcmpV4Packet.CodeFragmentationNeeded, inFlight[0], nextHopMtu: 9000));
        Assert.Equal(1500, connection.PathMtu);
        Assert.Equal(0, bench.Engine.Statistics.PathMtuLowered);
        Assert.Empty(Drain(bench));

        // A forged tiny MTU is taken only down to 552 (Linux's min_pmtu).
        bench.InjectRaw(Unreachable(IcmpV4Packet.CodeFragmentationNeeded, inFlight[0], nextHopMtu: 68));
        Assert.Equal(IcmpErrorRules.MinPathMtu, connection.PathMtu);
        Assert.All(Drain(bench), p => Assert.True(p.Length <= IcmpErrorRules.MinPathMtu));
    }

    [Fact]
    public void AQuotedSequenceOutsideTheWindowIsIgnoredAndCounted()
    {
        (TcpTestBench bench, TcpConnection connection, List<byte[]> inFlight) = BulkSending();
        uint first = SequenceOf(inFlight[0]);
        foreach (uint sequence in new[] { first - 1, first + 1_000_000, first ^ 0x8000_0000 })
        {
            bench.InjectRaw(Unreachable(IcmpV4Packet.CodeFragmentationNeeded, WithSequence(inFlight[0], sequence), nextHopMtu: 1280));
        }
        Assert.Equal(3, bench.Engine.Statistics.Drops[DropReason.IcmpQuoteMismatch]);
        Assert.Equal(1500, connection.PathMtu);
        Assert.Equal(0, bench.Engine.Statistics.IcmpErrorsApplied);
        Assert.Empty(Drain(bench));

        // A hard error with a bad quote does not touch the connection either.
        bench.InjectRaw(Unreachable(1, WithSequence(inFlight[0], first + 1_000_000)));
        Assert.Equal(SocketError.Success, connection.SoftError);
        Assert.Equal(4, bench.Engine.Statistics.Drops[DropReason.IcmpQuoteMismatch]);
    }

    [Theory]
    [InlineData(3, SocketError.ConnectionRefused)]   // port unreachable
    [InlineData(2, SocketError.ConnectionRefused)]   // protocol unreachable
    [InlineData(0, SocketError.NetworkUnreachable)]
    [InlineData(1, SocketError.HostUnreachable)]
    public void UnreachableInSynSentFailsTheConnectAtOnce(byte code, SocketError expected)
    {
        var bench = new TcpTestBench(BenchDesign.Standalone);
        TcpConnection connection = bench.Engine.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, bench.Handler);
        byte[] syn = bench.Device.Sent.Dequeue();

        bench.InjectRaw(Unreachable(code, syn));

        Assert.Equal(expected, bench.Handler.ConnectResult);
        Assert.Equal(expected, connection.Error);
        Assert.Equal(TcpState.Closed, connection.State);
        Assert.Null(bench.Handler.CloseResult);
        Assert.Equal(1, bench.Engine.Statistics.IcmpErrorsApplied);
        Assert.Equal(0, bench.Engine.ConnectionCount);
        bench.ExpectNothing();
    }

    [Fact]
    public void TimeExceededInSynSentIsReportedOnlyWhenTheConnectTimesOut()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { MaxSynRetransmissions = 2 });
        TcpConnection connection = bench.Engine.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, bench.Handler);
        byte[] syn = bench.Device.Sent.Dequeue();
        var timeExceeded = new byte[IPv4Header.Length + IcmpV4Packet.HeaderLength + 28];
        byte[] unreachable = Unreachable(0, syn);
        unreachable.CopyTo(timeExceeded, 0);
        timeExceeded[IPv4Header.Length] = IcmpV4ErrorView.TypeTimeExceeded;
        timeExceeded[IPv4Header.Length + 2] = 0;
        timeExceeded[IPv4Header.Length + 3] = 0;
        InternetChecksum.Store(timeExceeded.AsSpan(IPv4Header.Length + 2),
            InternetChecksum.Finish(InternetChecksum.Accumulate(timeExceeded.AsSpan(IPv4Header.Length))));

        bench.InjectRaw(timeExceeded);
        Assert.Null(bench.Handler.ConnectResult);
        Assert.Equal(TcpState.SynSent, connection.State);
        for (int i = 0; i < 100 && connection.State != TcpState.Closed; i++)
        {
            bench.Advance(1_000_000);
        }
        Assert.Equal(SocketError.HostUnreachable, bench.Handler.ConnectResult);
    }

    [Fact]
    public void HostUnreachableOnAnEstablishedConnectionWaitsForTheRetransmissionTimeoutThenReportsIt()
    {
        (TcpTestBench bench, TcpConnection connection, List<byte[]> inFlight) =
            BulkSending(new TcpConfig { MaxDataRetransmissions = 3 });
        connection.Handler = bench.Handler;

        bench.InjectRaw(Unreachable(1, inFlight[0]));

        // A soft error: nothing is sent, nothing is reported, the connection carries on.
        Assert.Empty(Drain(bench));
        Assert.Equal(TcpState.Established, connection.State);
        Assert.Equal(SocketError.HostUnreachable, connection.SoftError);
        Assert.Null(bench.Handler.CloseResult);
        Assert.Equal(1, bench.Engine.Statistics.IcmpErrorsApplied);

        // The peer stays silent: the retransmission timer retries, then gives up with the soft error, not TimedOut.
        int retransmissions = 0;
        for (int i = 0; i < 1000 && connection.State != TcpState.Closed; i++)
        {
            bench.Advance(100_000);
            retransmissions += Drain(bench).Count;
        }
        Assert.Equal(3, retransmissions);
        Assert.Equal(TcpState.Closed, connection.State);
        Assert.Equal(SocketError.HostUnreachable, bench.Handler.CloseResult);
        Assert.Equal(SocketError.HostUnreachable, connection.Error);
    }

    [Fact]
    public void ASoftErrorIsForgottenOnceTheNextAckAdvances()
    {
        (TcpTestBench bench, TcpConnection connection, List<byte[]> inFlight) = BulkSending();
        bench.InjectRaw(Unreachable(0, inFlight[0]));
        Assert.Equal(SocketError.NetworkUnreachable, connection.SoftError);
        Segment first = TcpTestBench.Parse(inFlight[0]);
        bench.Send(TcpFlags.Ack, TcpTestBench.PeerIss + 1, first.Seq + (uint)first.Payload.Length);
        Assert.Equal(SocketError.Success, connection.SoftError);
    }

    [Fact]
    public void MalformedQuotesAreDroppedAndCountedNeverThrown()
    {
        (TcpTestBench bench, TcpConnection connection, List<byte[]> inFlight) = BulkSending();
        byte[] ours = inFlight[0];

        // Too short to hold an IP header and 8 bytes.
        bench.InjectRaw(Unreachable(1, ours.AsSpan(0, 24)));
        // Not IPv4.
        byte[] v6 = (byte[])ours.Clone();
        v6[0] = 0x65;
        bench.InjectRaw(Unreachable(1, v6));
        // A fragment other than the first.
        byte[] fragment = (byte[])ours.Clone();
        fragment[7] = 0x10;
        bench.InjectRaw(Unreachable(1, fragment));
        Assert.Equal(3, bench.Engine.Statistics.Drops[DropReason.IcmpBadQuote]);

        // Well formed, but not ours: another source address, another protocol, no such connection.
        byte[] foreign = (byte[])ours.Clone();
        foreign[15] ^= 0x55;
        bench.InjectRaw(Unreachable(1, foreign));
        byte[] udp = (byte[])ours.Clone();
        udp[9] = 17;
        bench.InjectRaw(Unreachable(1, udp));
        byte[] otherPort = (byte[])ours.Clone();
        otherPort[IPv4Header.Length] ^= 0x01;
        bench.InjectRaw(Unreachable(1, otherPort));
        Assert.Equal(3, bench.Engine.Statistics.Drops[DropReason.IcmpQuoteMismatch]);

        // Random quotes behind a valid ICMP header: each is ignored or dropped, never thrown, never applied.
        var random = new Random(5);
        long dropsBefore = bench.Engine.Statistics.Drops.Total;
        for (int i = 0; i < 500; i++)
        {
            var garbage = new byte[random.Next(0, 40)];
            random.NextBytes(garbage);
            if (garbage.Length > 0 && random.Next(2) == 0)
            {
                garbage[0] = 0x45;
            }
            var packet = new byte[IPv4Header.Length + IcmpV4Packet.HeaderLength + garbage.Length];
            var message = packet.AsSpan(IPv4Header.Length);
            message[0] = (byte)(random.Next(2) == 0 ? IcmpV4Packet.TypeDestinationUnreachable : IcmpV4ErrorView.TypeTimeExceeded);
            message[1] = (byte)random.Next(0, 20);
            garbage.CopyTo(message[IcmpV4Packet.HeaderLength..]);
            InternetChecksum.Store(message[2..], InternetChecksum.Finish(InternetChecksum.Accumulate(message)));
            IPv4Header.Write(packet, Router, TcpTestBench.Local, IpProtocol.Icmp, message.Length, 9);
            bench.InjectRaw(packet);
        }
        Assert.True(bench.Engine.Statistics.Drops.Total > dropsBefore);
        Assert.Equal(0, bench.Engine.Statistics.IcmpErrorsApplied);
        Assert.Equal(1500, connection.PathMtu);
        Assert.Equal(TcpState.Established, connection.State);
    }

    [Fact]
    public void AnErrorLandingOnAnotherCoreIsHandedToTheCoreThatOwnsTheActiveConnection()
    {
        var clock = new VirtualClock();
        var wire = new VirtualWire(clock, new VirtualWireOptions { QueuesA = 2, QueuesB = 1 });
        using var stack = new FastsocketStack(new StackOptions
        {
            Cores = 2,
            LocalAddress = TcpTestBench.Local,
            Device = wire.A,
            Clock = clock,
            PinThreads = false,
            RandomSeed = 3,
            UseDeviceSteering = false,
        });
        var handler = new RecordingHandler();
        NetworkEngine core1 = stack.Core(1).Engine;
        TcpConnection connection = core1.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, handler);
        Assert.Equal(1, connection.Key.LocalPort & stack.PortMask);
        byte[] syn = new byte[IPv4Header.Length + 60];
        int length = WriteSynLike(connection, syn);

        // The router's error arrives on core 0's queue: core 0 has no such connection, the quoted port names core 1.
        stack.Core(0).Engine.Receive(Unreachable(3, syn.AsSpan(0, length)));
        Assert.Equal(1, stack.Core(0).Engine.Statistics.RfdHandoffs);
        Assert.Null(handler.ConnectResult);
        core1.Poll();
        Assert.Equal(SocketError.ConnectionRefused, handler.ConnectResult);
        Assert.Equal(1, core1.Statistics.IcmpErrorsApplied);
    }

    /// <summary>The IP and TCP header of the connection's SYN as the peer's router would quote it.</summary>
    private static int WriteSynLike(TcpConnection connection, byte[] buffer)
    {
        FlowKey key = connection.Key;
        TcpOptions none = default;
        int tcpLength = TcpSegmentWriter.Write(buffer.AsSpan(IPv4Header.Length), key.LocalAddress, key.LocalPort,
            key.RemoteAddress, key.RemotePort, connection.InitialSendSequence.Value, 0, TcpFlags.Syn, 65535, none, []);
        IPv4Header.Write(buffer, key.LocalAddress, key.RemoteAddress, IpProtocol.Tcp, tcpLength, 1);
        return IPv4Header.Length + tcpLength;
    }

    [Fact]
    public async Task PortUnreachableFailsFastSocketConnectAsyncWithConnectionRefused()
    {
        var wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 1, QueuesB = 1 });
        using var stack = new FastsocketStack(new StackOptions
        {
            Cores = 1,
            LocalAddress = TcpTestBench.Local,
            Device = wire.A,
            PinThreads = false,
        });
        stack.Start();
        // The far side is a bare NIC queue: read our SYN there and answer it with a port unreachable.
        IPacketDevice far = wire.B.GetQueue(0);
        using var socket = new FastSocket(stack);
        ValueTask connect = socket.ConnectAsync(new IPEndPoint(TcpTestBench.Remote.ToIPAddress(), 443));
        var collector = new PacketCollector();
        Assert.True(SpinWait.SpinUntil(() => far.Poll(collector, 1) > 0 || collector.Packets.Count > 0, TimeSpan.FromSeconds(10)));
        byte[] syn = collector.Packets[0];
        byte[] error = Unreachable(3, syn);
        far.Transmit(error);
        far.Flush();
        SocketException thrown = await Assert.ThrowsAsync<SocketException>(async () => await connect.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(SocketError.ConnectionRefused, thrown.SocketErrorCode);
    }

    private sealed class PacketCollector : IPacketReceiver
    {
        public List<byte[]> Packets { get; } = new();

        public void Receive(ReadOnlySpan<byte> packet) => Packets.Add(packet.ToArray());
    }
}
