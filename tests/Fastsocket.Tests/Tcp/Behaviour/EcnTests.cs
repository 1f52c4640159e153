using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// Explicit Congestion Notification (RFC 3168 6.1) packet by packet on the virtual clock: the knob (Linux's tcp_ecn),
/// the ECN-setup SYN and SYN-ACK, ECT(0) on new data only, the receiver's ECE echo until CWR, and the sender's one
/// reduction per window with CWR on the next new data. Unexpected ECN bits never break a connection.
/// </summary>
public class EcnTests
{
    private const int Mss = 1000;
    private const uint PeerIss = 5000;
    private static readonly TcpOptions PeerOptions = new() { HasMss = true, Mss = Mss };

    /// <summary>The ECN field of the IP header of a packet we sent.</summary>
    private static byte EcnField(byte[] packet) => (byte)(packet[1] & EcnCodepoint.Mask);

    private static (byte[] Packet, Segment Segment) ExpectRaw(TcpTestBench bench)
    {
        Assert.True(bench.Device.Sent.Count > 0, "expected a segment, but nothing was sent");
        byte[] packet = bench.Device.Sent.Dequeue();
        return (packet, TcpTestBench.Parse(packet));
    }

    /// <summary>Delivers a segment whose IP header carries the ECN codepoint <paramref name="ecn"/>, then polls.</summary>
    private static void InjectWithEcn(TcpTestBench bench, Segment segment, byte ecn)
    {
        byte[] packet = TcpTestBench.FromPeer().Flags(segment.Flags).Seq(segment.Seq).Ack(segment.Ack).Window(segment.Window)
            .Options(segment.Options).Payload(segment.Payload).Build();
        packet[1] = (byte)((packet[1] & ~EcnCodepoint.Mask) | ecn);
        packet[10] = 0;
        packet[11] = 0;
        InternetChecksum.Store(packet.AsSpan(10), InternetChecksum.Finish(InternetChecksum.Accumulate(packet.AsSpan(0, 20))));
        bench.InjectRaw(packet);
    }

    /// <summary>A passive connection whose peer's SYN carried <paramref name="synFlags"/> beside SYN.</summary>
    private static (TcpTestBench Bench, TcpConnection Connection, uint Iss, Segment SynAck) Passive(EcnMode mode, TcpFlags synFlags)
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { Ecn = mode, QuickAcks = 0 });
        bench.Engine.Listen(TcpTestBench.LocalPort, 16, bench.Handler);
        bench.Inject(new Segment { Flags = TcpFlags.Syn | synFlags, Seq = PeerIss, Options = PeerOptions });
        (byte[] packet, Segment synAck) = ExpectRaw(bench);
        Assert.Equal(EcnCodepoint.NotEct, EcnField(packet));
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = synAck.Seq + 1 });
        Assert.True(bench.Handler.Listener!.TryAccept(out TcpConnection? connection));
        connection!.Handler = bench.Handler;
        return (bench, connection, synAck.Seq, synAck);
    }

    [Fact]
    public void ByDefaultAnEcnSetupSynIsAcceptedWithEceAloneButNeverAskedFor()
    {
        (_, TcpConnection connection, _, Segment synAck) = Passive(new TcpConfig().Ecn, TcpFlags.Ece | TcpFlags.Cwr);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ece, synAck.Flags);
        Assert.True(connection.EcnEnabled);

        var bench = new TcpTestBench(BenchDesign.Standalone);
        bench.Engine.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, bench.Handler, localPort: 50000);
        Assert.Equal(TcpFlags.Syn, bench.Expect().Flags);
    }

    [Fact]
    public void OffAnswersAnEcnSetupSynWithoutEcn()
    {
        (TcpTestBench bench, TcpConnection connection, uint iss, Segment synAck) = Passive(EcnMode.Off, TcpFlags.Ece | TcpFlags.Cwr);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.False(connection.EcnEnabled);
        connection.Write(Peer.Data(100));
        bench.Engine.FlushPending();
        (byte[] packet, _) = ExpectRaw(bench);
        Assert.Equal(EcnCodepoint.NotEct, EcnField(packet));
    }

    [Fact]
    public void OnAsksWithEceAndCwrAndMarksNewDataEct0ButNotAcksOrRetransmissions()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { Ecn = EcnMode.On });
        TcpConnection connection = bench.Engine.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, bench.Handler, localPort: 50000);
        (byte[] synPacket, Segment syn) = ExpectRaw(bench);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr, syn.Flags);
        Assert.Equal(EcnCodepoint.NotEct, EcnField(synPacket));

        bench.Inject(new Segment { Flags = TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ece, Seq = PeerIss, Ack = syn.Seq + 1, Options = PeerOptions },
            fromPort: TcpTestBench.RemotePort, toPort: 50000);
        (byte[] ackPacket, Segment ack) = ExpectRaw(bench);
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(EcnCodepoint.NotEct, EcnField(ackPacket));
        Assert.True(connection.EcnEnabled);

        connection.Write(Peer.Data(100));
        bench.Engine.FlushPending();
        (byte[] dataPacket, Segment data) = ExpectRaw(bench);
        Assert.Equal(100, data.Payload.Length);
        Assert.False(data.Has(TcpFlags.Ece) || data.Has(TcpFlags.Cwr));
        Assert.Equal(EcnCodepoint.Ect0, EcnField(dataPacket));

        // RFC 3168 6.1.5: the retransmission goes out Not-ECT.
        bench.Advance(connection.RetransmissionTimeoutMicroseconds);
        (byte[] resent, Segment again) = ExpectRaw(bench);
        Assert.Equal(data.Seq, again.Seq);
        Assert.Equal(EcnCodepoint.NotEct, EcnField(resent));
    }

    [Fact]
    public void ASynAckWithBothEceAndCwrIsNoEcnSetupAndTheConnectionStillOpens()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { Ecn = EcnMode.On });
        TcpConnection connection = bench.Engine.Connect(TcpTestBench.Remote, TcpTestBench.RemotePort, bench.Handler, localPort: 50000);
        Segment syn = bench.Expect();
        bench.Inject(new Segment
        {
            Flags = TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ece | TcpFlags.Cwr, Seq = PeerIss, Ack = syn.Seq + 1, Options = PeerOptions,
        }, fromPort: TcpTestBench.RemotePort, toPort: 50000);
        bench.Expect(Flags(TcpFlags.Ack));
        Assert.Equal(TcpState.Established, connection.State);
        Assert.False(connection.EcnEnabled);
        connection.Write(Peer.Data(100));
        bench.Engine.FlushPending();
        (byte[] packet, _) = ExpectRaw(bench);
        Assert.Equal(EcnCodepoint.NotEct, EcnField(packet));
    }

    [Fact]
    public void TheReceiverEchoesCongestionExperiencedOnEveryAckUntilCwr()
    {
        (TcpTestBench bench, _, uint iss, _) = Passive(EcnMode.AcceptOnly, TcpFlags.Ece | TcpFlags.Cwr);
        uint next = PeerIss + 1;
        InjectWithEcn(bench, new Segment { Flags = TcpFlags.Ack, Seq = next, Ack = iss + 1, Payload = Peer.Data(Mss) }, EcnCodepoint.CongestionExperienced);
        // A CE mark is acknowledged at once, with ECE.
        bench.Expect(Flags(TcpFlags.Ack | TcpFlags.Ece), Ack(next + Mss));

        InjectWithEcn(bench, new Segment { Flags = TcpFlags.Ack, Seq = next + Mss, Ack = iss + 1, Payload = Peer.Data(Mss) }, EcnCodepoint.Ect0);
        bench.Advance(40_000);
        bench.Expect(Flags(TcpFlags.Ack | TcpFlags.Ece), Ack(next + 2 * Mss));

        // The sender's CWR ends the echo.
        InjectWithEcn(bench, new Segment { Flags = TcpFlags.Ack | TcpFlags.Cwr, Seq = next + 2 * Mss, Ack = iss + 1, Payload = Peer.Data(Mss) },
            EcnCodepoint.Ect0);
        bench.Advance(40_000);
        bench.Expect(Flags(TcpFlags.Ack), Ack(next + 3 * Mss));
    }

    [Fact]
    public void CongestionExperiencedOnAConnectionWithoutEcnIsIgnored()
    {
        (TcpTestBench bench, _, uint iss, _) = Passive(EcnMode.AcceptOnly, 0);
        InjectWithEcn(bench, new Segment { Flags = TcpFlags.Ack | TcpFlags.Ece | TcpFlags.Cwr, Seq = PeerIss + 1, Ack = iss + 1, Payload = Peer.Data(Mss) },
            EcnCodepoint.CongestionExperienced);
        bench.Advance(40_000);
        bench.Expect(Flags(TcpFlags.Ack), Ack(PeerIss + 1 + Mss));
    }

    [Fact]
    public void TheSenderReducesOncePerWindowOnEceAndSetsCwrOnTheNextNewData()
    {
        (TcpTestBench bench, TcpConnection connection, uint iss, _) = Passive(EcnMode.AcceptOnly, TcpFlags.Ece | TcpFlags.Cwr);
        connection.Write(Peer.Data(20 * Mss));
        bench.Engine.FlushPending();
        int sent = 0;
        while (bench.Device.Sent.Count > 0)
        {
            (byte[] packet, Segment s) = ExpectRaw(bench);
            Assert.Equal(EcnCodepoint.Ect0, EcnField(packet));
            Assert.False(s.Has(TcpFlags.Cwr));
            sent++;
        }
        Assert.Equal(10, sent);
        int cwndBefore = connection.CongestionWindow;
        long retransmissions = bench.Engine.Statistics.Retransmissions;

        var after = new List<Segment>();
        bench.Inject(new Segment { Flags = TcpFlags.Ack | TcpFlags.Ece, Seq = PeerIss + 1, Ack = iss + 1 + 2 * Mss });
        Assert.True(connection.CongestionWindow < cwndBefore, $"cwnd {connection.CongestionWindow} after ECE, {cwndBefore} before");
        Assert.Equal(1, bench.Engine.Statistics.EcnReductions);
        while (bench.Device.Sent.Count > 0)
        {
            after.Add(bench.Expect());
        }

        // More ECE for data sent before the reduction is the same congestion event.
        bench.Inject(new Segment { Flags = TcpFlags.Ack | TcpFlags.Ece, Seq = PeerIss + 1, Ack = iss + 1 + 4 * Mss });
        Assert.Equal(1, bench.Engine.Statistics.EcnReductions);
        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = PeerIss + 1, Ack = iss + 1 + 10 * Mss });
        while (bench.Device.Sent.Count > 0)
        {
            after.Add(bench.Expect());
        }

        // Nothing was lost, so nothing was resent; the first new data after the reduction, and only it, carries CWR.
        Assert.NotEmpty(after);
        Assert.All(after, s => Assert.True(s.Seq >= iss + 1 + 10 * Mss, $"a retransmission: {s}"));
        Assert.Equal(retransmissions, bench.Engine.Statistics.Retransmissions);
        Assert.True(after[0].Has(TcpFlags.Cwr), $"no CWR on {after[0]}");
        Assert.All(after.Skip(1), s => Assert.False(s.Has(TcpFlags.Cwr)));
    }

    [Fact]
    public void TheTrafficClassGoesIntoEverySegmentWithoutItsEcnBitsAndDfFollowsPathMtuDiscovery()
    {
        (TcpTestBench bench, TcpConnection connection, _, _) = Passive(EcnMode.AcceptOnly, 0);
        connection.NoDelay = true;
        connection.TrafficClass = 0xB8 | EcnCodepoint.CongestionExperienced;
        Assert.Equal(0xB8, connection.TrafficClass);
        connection.Write(Peer.Data(100));
        bench.Engine.FlushPending();
        (byte[] packet, _) = ExpectRaw(bench);
        Assert.Equal(0xB8, packet[1]);
        Assert.Equal(0x40, packet[6] & 0x40);

        connection.PathMtuDiscovery = false;
        connection.TrafficClass = 0;
        connection.Write(Peer.Data(100));
        bench.Engine.FlushPending();
        (byte[] second, _) = ExpectRaw(bench);
        Assert.Equal(0, second[1]);
        Assert.Equal(0, second[6] & 0x40);
    }
}
