using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>What we offer in SYN / SYN-ACK (RFC 7323, RFC 2018, RFC 9293 3.7.1) and what is used afterwards.</summary>
public class HandshakeOptionTests
{
    // Default ReceiveBufferSize is 256 KiB: shift 3 makes it fit the 16-bit field (RFC 7323 2.3).
    private const int OurShift = 3;
    private const int PeerShift = 7;

    public static TheoryData<BenchDesign, bool, bool, bool> AllCombinations()
    {
        var data = new TheoryData<BenchDesign, bool, bool, bool>();
        foreach (BenchDesign design in Enum.GetValues<BenchDesign>())
        {
            foreach (bool ws in new[] { false, true })
            {
                foreach (bool ts in new[] { false, true })
                {
                    foreach (bool sack in new[] { false, true })
                    {
                        data.Add(design, ws, ts, sack);
                    }
                }
            }
        }
        return data;
    }

    private static TcpOptions PeerOptions(bool ws, bool ts, bool sack, uint tsVal) => new()
    {
        HasMss = true,
        Mss = 1460,
        HasWindowScale = ws,
        WindowScale = ws ? (byte)PeerShift : (byte)0,
        HasTimestamps = ts,
        TsVal = ts ? tsVal : 0,
        SackPermitted = sack,
    };

    private static TcpOptions PeerTs(bool ts, uint tsVal, uint tsEcr) => ts ? new TcpOptions { HasTimestamps = true, TsVal = tsVal, TsEcr = tsEcr } : default;

    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void PassiveOpenAnswersOnlyWhatThePeerOfferedAndUsesIt(BenchDesign design, bool ws, bool ts, bool sack)
    {
        var bench = new TcpTestBench(design);
        bench.Engine.Listen(TcpTestBench.LocalPort, 16, bench.Handler);
        bench.Inject(new Segment { Flags = TcpFlags.Syn, Seq = 1000, Window = 65535, Options = PeerOptions(ws, ts, sack, 777) });
        Segment synAck = bench.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack));
        Assert.True(synAck.Options.HasMss);
        Assert.Equal(1460, synAck.Options.Mss);
        Assert.Equal(ws, synAck.Options.HasWindowScale);
        if (ws)
        {
            Assert.Equal(OurShift, synAck.Options.WindowScale);
        }
        Assert.Equal(sack, synAck.Options.SackPermitted);
        Assert.Equal(ts, synAck.Options.HasTimestamps);
        if (ts)
        {
            Assert.Equal(777u, synAck.Options.TsEcr);
        }
        // The window of a SYN is never scaled (RFC 7323 2.2).
        Assert.Equal(65535, synAck.Window);

        bench.Inject(new Segment { Flags = TcpFlags.Ack, Seq = 1001, Ack = synAck.Seq + 1, Window = 65535, Options = PeerTs(ts, 778, synAck.Options.TsVal) });
        bench.ExpectNothing();
        Assert.True(bench.Handler.Listener!.TryAccept(out TcpConnection? connection));
        connection!.Handler = bench.Handler;
        AssertNegotiated(connection, ws, ts, sack);
        // The peer's window of 65535 in its ACK counts scaled (<< 7) only when both sides offered window scaling.
        Assert.Equal(ws ? 65535 << PeerShift : 65535, connection.SendWindow);
        AssertLaterSegmentsUseTheOptions(bench, connection, ws, ts, sack, synAck.Seq + 1, 1001, TcpTestBench.LocalPort, 778);
    }

    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void ActiveOpenOffersEverythingAndUsesWhatTheSynAckAccepted(BenchDesign design, bool ws, bool ts, bool sack)
    {
        var bench = new TcpTestBench(design);
        (TcpConnection connection, Segment syn) = bench.ActiveSynSent();
        Assert.Equal(1460, syn.Options.Mss);
        Assert.True(syn.Options.HasWindowScale);
        Assert.Equal(OurShift, syn.Options.WindowScale);
        Assert.True(syn.Options.SackPermitted);
        Assert.True(syn.Options.HasTimestamps);
        Assert.Equal(0u, syn.Options.TsEcr);
        Assert.Equal(65535, syn.Window);
        Assert.Equal(0u, syn.Ack);

        TcpOptions synAckOptions = PeerOptions(ws, ts, sack, 900);
        if (ts)
        {
            synAckOptions.TsEcr = syn.Options.TsVal;
        }
        bench.InjectActive(new Segment { Flags = TcpFlags.Syn | TcpFlags.Ack, Seq = Peer.PeerIss, Ack = syn.Seq + 1, Window = 65535, Options = synAckOptions });
        Segment ack = bench.Expect(Flags(TcpFlags.Ack));
        Assert.Equal(ts, ack.Options.HasTimestamps);
        if (ts)
        {
            Assert.Equal(900u, ack.Options.TsEcr);
        }
        Assert.False(ack.Options.HasMss || ack.Options.HasWindowScale || ack.Options.SackPermitted);
        Assert.Equal(ws ? 262_144 >> OurShift : 65535, ack.Window);
        AssertNegotiated(connection, ws, ts, sack);
        // The window of the SYN-ACK itself is never scaled.
        Assert.Equal(65535, connection.SendWindow);
        AssertLaterSegmentsUseTheOptions(bench, connection, ws, ts, sack, syn.Seq + 1, Peer.PeerIss + 1, Peer.ActivePort, 901);
    }

    private static void AssertNegotiated(TcpConnection connection, bool ws, bool ts, bool sack)
    {
        Assert.Equal(ws, connection.WindowScalingEnabled);
        Assert.Equal(ts, connection.TimestampsEnabled);
        Assert.Equal(sack, connection.SackEnabled);
    }

    private static void AssertLaterSegmentsUseTheOptions(TcpTestBench bench, TcpConnection connection, bool ws, bool ts, bool sack,
        uint ourNext, uint peerNext, ushort ourPort, uint peerTsVal)
    {
        int expectedWindow = ws ? 262_144 >> OurShift : 65535;

        // Our data segment.
        bench.WriteAndFlush(connection, Peer.Data(10));
        Segment data = bench.Expect(Seq(ourNext), PayloadLength(10));
        Assert.Equal(ts, data.Options.HasTimestamps);
        Assert.Equal(expectedWindow, data.Window);

        // An out-of-order segment from the peer: an immediate duplicate ACK, with a SACK block only if SACK was negotiated.
        bench.Inject(new Segment
        {
            Flags = TcpFlags.Ack,
            Seq = peerNext + 100,
            Ack = ourNext + 10,
            Payload = Peer.Data(50),
            Options = PeerTs(ts, peerTsVal, data.Options.TsVal),
        }, toPort: ourPort);
        Segment dupAck = bench.Expect(Flags(TcpFlags.Ack), Ack(peerNext));
        Assert.Equal(ts, dupAck.Options.HasTimestamps);
        Assert.Equal(expectedWindow, dupAck.Window);
        Assert.Equal(sack ? 1 : 0, dupAck.Options.SackCount);
        if (sack)
        {
            Assert.Equal(new SackBlock(peerNext + 100, peerNext + 150), dupAck.Options.Sack[0]);
        }
        bench.ExpectNothing();
        // The peer's later segments carry scaled windows when window scaling is on.
        Assert.Equal(ws ? 65535 << PeerShift : 65535, connection.SendWindow);
    }

    [Theory]
    [DesignData]
    public void PeerSynWindowIsNotScaled(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (TcpConnection connection, _, _) = bench.ActiveEstablished(
            new TcpOptions { HasMss = true, Mss = 1460, HasWindowScale = true, WindowScale = 7 }, window: 1000);
        Assert.True(connection.WindowScalingEnabled);
        Assert.Equal(1000, connection.SendWindow);
    }

    [Theory]
    [DesignData(1500, 1460)]
    [DesignData(9000, 8960)]
    [DesignData(576, 536)]
    public void WeAdvertiseMtuMinus40(BenchDesign design, int mtu, int mss)
    {
        var bench = new TcpTestBench(design, mtu: mtu);
        (_, Segment syn) = bench.ActiveSynSent();
        Assert.Equal(mss, syn.Options.Mss);
        Segment synAck = new TcpTestBench(design, mtu: mtu).PassiveSynReceived(1000, Peer.Mss());
        Assert.Equal(mss, synAck.Options.Mss);
    }

    [Theory]
    [DesignData(true, 100, 536)]     // below the floor: we still send 536-byte segments
    [DesignData(false, 0, 536)]      // no option: RFC 9293 3.7.1 default
    [DesignData(true, 1000, 1000)]
    [DesignData(true, 1460, 1460)]
    [DesignData(true, 9000, 1460)]   // never more than our own MTU allows
    public void SendSegmentSizeFollowsThePeerMssWithA536Floor(BenchDesign design, bool hasMss, int peerMss, int expected)
    {
        var bench = new TcpTestBench(design, new TcpConfig { NoDelay = true });
        TcpOptions options = hasMss ? new TcpOptions { HasMss = true, Mss = (ushort)peerMss } : default;
        (TcpConnection connection, _) = bench.PassiveEstablished(1000, options);
        Assert.Equal(expected, connection.SendMss);
        bench.WriteAndFlush(connection, Peer.Data(3 * expected + 7));
        List<Segment> sent = bench.Drain();
        Assert.Equal([expected, expected, expected, 7], sent.Select(s => s.Payload.Length).ToArray());
    }

    [Theory]
    [DesignData]
    public void TimestampsTakeTwelveBytesOfEachSegment(BenchDesign design)
    {
        var bench = new TcpTestBench(design, new TcpConfig { NoDelay = true });
        var syn = new TcpOptions { HasMss = true, Mss = 1460, HasTimestamps = true, TsVal = 5 };
        (TcpConnection connection, _) = bench.PassiveEstablished(1000, syn);
        bench.WriteAndFlush(connection, Peer.Data(2000));
        List<Segment> sent = bench.Drain();
        Assert.Equal([1448, 552], sent.Select(s => s.Payload.Length).ToArray());
    }
}
