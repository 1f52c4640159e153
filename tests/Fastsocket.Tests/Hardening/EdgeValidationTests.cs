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
public class EdgeValidationTests
{
    public static TheoryData<string> MartianSources => ["255.255.255.255", "224.0.0.1", "0.0.0.0", "0.1.2.3", "127.0.0.1", "240.0.0.1"];

    private static IpAddress Address(string dotted)
    {
        byte[] b = System.Net.IPAddress.Parse(dotted).GetAddressBytes();
        return IpAddress.FromIPv4(b[0], b[1], b[2], b[3]);
    }

    private static TcpTestBench ListeningBench()
    {
        var b = new TcpTestBench();
        b.Engine.Listen(TcpTestBench.LocalPort, 16, b.Handler);
        return b;
    }

    private static byte[] Syn(IpAddress from, IpAddress? to = null, ushort toPort = TcpTestBench.LocalPort) =>
        TcpTestBench.BuildPacket(new Segment { Flags = TcpFlags.Syn, Seq = 1000, Options = TcpTestBench.MssOnly },
            TcpTestBench.RemotePort, toPort, from, to);

    private static byte[] EchoRequest(IpAddress from, IpAddress to)
    {
        var packet = new byte[IPv4Header.Length + IcmpV4Packet.HeaderLength + 8];
        int length = IcmpV4Writer.WriteEcho(packet.AsSpan(IPv4Header.Length), reply: false, 0x1234, 1, "pingpong"u8);
        IPv4Header.Write(packet, from, to, IpProtocol.Icmp, length, 7);
        return packet[..(IPv4Header.Length + length)];
    }

    [Theory]
    [MemberData(nameof(MartianSources))]
    public void ASynFromAMartianSourceGetsNoReplyAndIsCounted(string source)
    {
        TcpTestBench b = ListeningBench();
        b.InjectRaw(Syn(Address(source)));
        // To a closed port as well: no RST either.
        b.InjectRaw(Syn(Address(source), toPort: 81));
        b.ExpectNothing();
        Assert.Equal(2, b.Engine.Statistics.Drops[DropReason.MartianSource]);
        Assert.Equal(0, b.Engine.ConnectionCount);
        Assert.Equal(0, b.Engine.Statistics.Drops[DropReason.TcpNoListener]);
    }

    [Fact]
    public void ASynFromOurOwnAddressIsALandAttack()
    {
        TcpTestBench b = ListeningBench();
        b.InjectRaw(Syn(TcpTestBench.Local));
        b.ExpectNothing();
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.LandAttack]);
        Assert.Equal(0, b.Engine.ConnectionCount);
    }

    [Theory]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("0.0.0.0")]
    public void TcpToANonUnicastDestinationIsDropped(string destination)
    {
        TcpTestBench b = ListeningBench();
        b.InjectRaw(Syn(TcpTestBench.Remote, Address(destination)));
        b.ExpectNothing();
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.NonUnicastDestination]);
        Assert.Equal(0, b.Engine.Statistics.Drops[DropReason.NotForThisHost]);
    }

    [Theory]
    [MemberData(nameof(MartianSources))]
    public void AnEchoRequestFromAMartianSourceIsNotAnswered(string source)
    {
        TcpTestBench b = ListeningBench();
        b.InjectRaw(EchoRequest(Address(source), TcpTestBench.Local));
        Assert.Empty(b.Device.Sent);
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.MartianSource]);
        Assert.Equal(0, b.Engine.Statistics.IcmpEchoReplies);
    }

    [Fact]
    public void AnEchoRequestFromOurOwnAddressIsNotAnsweredButOneFromAPeerIs()
    {
        TcpTestBench b = ListeningBench();
        b.InjectRaw(EchoRequest(TcpTestBench.Local, TcpTestBench.Local));
        Assert.Empty(b.Device.Sent);
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.LandAttack]);

        b.InjectRaw(EchoRequest(TcpTestBench.Remote, TcpTestBench.Local));
        Assert.Single(b.Device.Sent);
        Assert.Equal(1, b.Engine.Statistics.IcmpEchoReplies);
    }

    [Fact]
    public void ASynFromAnOrdinaryPeerIsStillAnswered()
    {
        TcpTestBench b = ListeningBench();
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
        device.Deliver(TcpTestBench.BuildPacket(new Segment { Flags = TcpFlags.Syn, Seq = 1, Options = TcpTestBench.MssOnly },
            40000, 80, loopback, loopback));
        device.Deliver(TcpTestBench.BuildPacket(new Segment { Flags = TcpFlags.Syn, Seq = 1, Options = TcpTestBench.MssOnly },
            40001, 80, IpAddress.FromIPv4(127, 0, 0, 2), loopback));
        engine.Poll();
        Assert.Equal(2, device.Sent.Count);
        Assert.Equal(0, engine.Statistics.Drops.Total);
    }
}

/// <summary>The edge checks through a one-core stack of the base design.</summary>
public sealed class EdgeValidationTestsUnderBase : EdgeValidationTests
{
    public EdgeValidationTestsUnderBase() => TestDesign.Current = StackDesign.Base;
}

/// <summary>The edge checks through a one-core stack of the fastsocket design.</summary>
public sealed class EdgeValidationTestsUnderFastsocket : EdgeValidationTests
{
    public EdgeValidationTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
}
