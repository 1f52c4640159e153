using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

/// <summary>
/// The IP edge (RFC 1122 3.2.1.3, RFC 6890): packets from a source no host sends from, from our own address, or to a
/// destination that is not one host are dropped and counted before TCP or ICMP sees them, so nothing is reflected
/// at whoever owns the forged address. A listener is open, so a packet that got through would be answered.
/// </summary>
public sealed class EdgeValidationTests
{
    private static IpAddress Address(string dotted)
    {
        byte[] b = System.Net.IPAddress.Parse(dotted).GetAddressBytes();
        return IpAddress.FromIPv4(b[0], b[1], b[2], b[3]);
    }

    private static byte[] Packet(Segment s, ushort fromPort = TcpTestBench.RemotePort, ushort toPort = TcpTestBench.LocalPort,
        IpAddress? from = null, IpAddress? to = null) =>
        PacketBuilder.Tcp(from ?? TcpTestBench.Remote, fromPort, to ?? TcpTestBench.Local, toPort)
            .Flags(s.Flags).Seq(s.Seq).Ack(s.Ack).Window(s.Window).Options(s.Options).Payload(s.Payload).Build();

    private static TcpTestBench ListeningBench(BenchDesign design)
    {
        var b = new TcpTestBench(design);
        b.Engine.Listen(TcpTestBench.LocalPort, 16, b.Handler);
        return b;
    }

    private static byte[] Syn(IpAddress from, IpAddress? to = null, ushort toPort = TcpTestBench.LocalPort) =>
        Packet(new Segment { Flags = TcpFlags.Syn, Seq = 1000, Options = TcpTestBench.MssOnly },
            TcpTestBench.RemotePort, toPort, from, to);

    private static byte[] EchoRequest(IpAddress from, IpAddress to)
    {
        var packet = new byte[IPv4Header.Length + IcmpV4Packet.HeaderLength + 8];
        int length = IcmpV4Writer.WriteEcho(packet.AsSpan(IPv4Header.Length), reply: false, 0x1234, 1, "pingpong"u8);
        IPv4Header.Write(packet, from, to, IpProtocol.Icmp, length, 7);
        return packet[..(IPv4Header.Length + length)];
    }

    [Theory]
    [DesignData("255.255.255.255")]
    [DesignData("224.0.0.1")]
    [DesignData("0.0.0.0")]
    [DesignData("0.1.2.3")]
    [DesignData("127.0.0.1")]
    [DesignData("240.0.0.1")]
    public void ASynFromAMartianSourceGetsNoReplyAndIsCounted(BenchDesign design, string source)
    {
        TcpTestBench b = ListeningBench(design);
        b.InjectRaw(Syn(Address(source)));
        // To a closed port as well: no RST either.
        b.InjectRaw(Syn(Address(source), toPort: 81));
        b.ExpectNothing();
        Assert.Equal(2, b.Engine.Statistics.Drops[DropReason.MartianSource]);
        Assert.Equal(0, b.Engine.ConnectionCount);
        Assert.Equal(0, b.Engine.Statistics.Drops[DropReason.TcpNoListener]);
    }

    [Theory]
    [DesignData]
    public void ASynFromOurOwnAddressIsALandAttack(BenchDesign design)
    {
        TcpTestBench b = ListeningBench(design);
        b.InjectRaw(Syn(TcpTestBench.Local));
        b.ExpectNothing();
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.LandAttack]);
        Assert.Equal(0, b.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData("255.255.255.255")]
    [DesignData("224.0.0.1")]
    [DesignData("239.255.255.250")]
    [DesignData("240.0.0.1")]
    [DesignData("0.0.0.0")]
    public void TcpToANonUnicastDestinationIsDropped(BenchDesign design, string destination)
    {
        TcpTestBench b = ListeningBench(design);
        b.InjectRaw(Syn(TcpTestBench.Remote, Address(destination)));
        b.ExpectNothing();
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.NonUnicastDestination]);
        Assert.Equal(0, b.Engine.Statistics.Drops[DropReason.NotForThisHost]);
    }

    [Theory]
    [DesignData("255.255.255.255")]
    [DesignData("224.0.0.1")]
    [DesignData("0.0.0.0")]
    [DesignData("0.1.2.3")]
    [DesignData("127.0.0.1")]
    [DesignData("240.0.0.1")]
    public void AnEchoRequestFromAMartianSourceIsNotAnswered(BenchDesign design, string source)
    {
        TcpTestBench b = ListeningBench(design);
        b.InjectRaw(EchoRequest(Address(source), TcpTestBench.Local));
        Assert.Empty(b.Device.Sent);
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.MartianSource]);
        Assert.Equal(0, b.Engine.Statistics.IcmpEchoReplies);
    }

    [Theory]
    [DesignData]
    public void AnEchoRequestFromOurOwnAddressIsNotAnsweredButOneFromAPeerIs(BenchDesign design)
    {
        TcpTestBench b = ListeningBench(design);
        b.InjectRaw(EchoRequest(TcpTestBench.Local, TcpTestBench.Local));
        Assert.Empty(b.Device.Sent);
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.LandAttack]);

        b.InjectRaw(EchoRequest(TcpTestBench.Remote, TcpTestBench.Local));
        Assert.Single(b.Device.Sent);
        Assert.Equal(1, b.Engine.Statistics.IcmpEchoReplies);
    }

    [Theory]
    [DesignData]
    public void ASynFromAnOrdinaryPeerIsStillAnswered(BenchDesign design)
    {
        TcpTestBench b = ListeningBench(design);
        b.InjectRaw(Syn(TcpTestBench.Remote));
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, b.Expect().Flags);
        Assert.Equal(0, b.Engine.Statistics.Drops.Total);
    }

    [Fact]
    public void OnALoopbackDeviceLoopbackSourcesAndOurOwnAddressAreNormal()
    {
        IpAddress loopback = IpAddress.FromIPv4(127, 0, 0, 1);
        var device = new CaptureDevice();
        var engine = new NetworkEngine(new EngineOptions
        {
            LocalAddress = loopback,
            Device = device,
            Clock = new VirtualClock(),
            IsLoopback = true,
            RandomSeed = 1,
        });
        engine.Listen(80, 16);
        device.Deliver(Packet(new Segment { Flags = TcpFlags.Syn, Seq = 1, Options = TcpTestBench.MssOnly },
            40000, 80, loopback, loopback));
        device.Deliver(Packet(new Segment { Flags = TcpFlags.Syn, Seq = 1, Options = TcpTestBench.MssOnly },
            40001, 80, IpAddress.FromIPv4(127, 0, 0, 2), loopback));
        engine.Poll();
        Assert.Equal(2, device.Sent.Count);
        Assert.Equal(0, engine.Statistics.Drops.Total);
    }
}
