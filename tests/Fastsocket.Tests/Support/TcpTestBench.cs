using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Support;

/// <summary>
/// Packet-by-packet test bench (in the manner of smoltcp's socket tests): one engine on virtual time behind a
/// capture device. A test injects one segment as the remote peer and asserts the exact segment that comes back.
/// Our side is 198.18.0.2; the simulated peer is 198.18.0.1.
/// </summary>
public sealed partial class TcpTestBench
{
    public static readonly IpAddress Local = IpAddress.FromIPv4(198, 18, 0, 2);
    public static readonly IpAddress Remote = IpAddress.FromIPv4(198, 18, 0, 1);
    public const ushort LocalPort = 80;
    public const ushort RemotePort = 40000;

    /// <summary>The SYN cookie key of every bench, so a test can decode the cookies the engine sends.</summary>
    public static readonly byte[] CookieKey = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    /// <summary>A bench whose engine runs as <paramref name="design"/> says.</summary>
    public TcpTestBench(BenchDesign design, TcpConfig? config = null, int mtu = 1500)
    {
        Clock = new VirtualClock();
        Device = new CaptureDevice(mtu);
        Config = config ?? new TcpConfig();
        Design = design.ToStackDesign();
        if (Design is StackDesign stackDesign)
        {
            // The engine of a one-core stack in the given design, polled by the test thread (the stack is never
            // started): every segment goes through that design's tables, listeners and locks.
            Stack = new FastsocketStack(new StackOptions
            {
                Design = stackDesign,
                Cores = 1,
                LocalAddress = Local,
                Device = new Fastsocket.Devices.SingleQueueDevice(Device),
                Clock = Clock,
                Tcp = Config,
                PinThreads = false,
                RandomSeed = 1,
                IsnKey = new byte[16],
                SynCookieKey = CookieKey,
            });
            Engine = Stack.Core(0).Engine;
        }
        else
        {
            Engine = new NetworkEngine(new EngineOptions
            {
                LocalAddress = Local,
                Device = Device,
                Clock = Clock,
                Tcp = Config,
                RandomSeed = 1,
                IsnKey = new byte[16],
                SynCookieKey = CookieKey,
            });
        }
    }

    /// <summary>The design under test, or null for a standalone engine.</summary>
    public StackDesign? Design { get; }

    /// <summary>The one-core stack the engine belongs to, when a design is under test.</summary>
    public FastsocketStack? Stack { get; }

    public VirtualClock Clock { get; }

    public CaptureDevice Device { get; }

    public TcpConfig Config { get; }

    public NetworkEngine Engine { get; }

    public RecordingHandler Handler { get; } = new();

    /// <summary>Builds a segment from the peer to us (or to <paramref name="toPort"/>), delivers it, and runs one poll.</summary>
    public void Inject(Segment segment, ushort fromPort = RemotePort, ushort toPort = LocalPort) =>
        InjectRaw(FromPeer(fromPort, toPort).Flags(segment.Flags).Seq(segment.Seq).Ack(segment.Ack).Window(segment.Window)
            .Options(segment.Options).Payload(segment.Payload).Build());

    /// <summary>Delivers a packet as it is (a test's own, perhaps damaged, bytes) and runs one poll.</summary>
    public void InjectRaw(byte[] packet)
    {
        Device.Deliver(packet);
        Engine.Poll();
    }

    /// <summary>A builder for a segment from the peer to us, addressed and otherwise empty.</summary>
    public static PacketBuilder FromPeer(ushort fromPort = RemotePort, ushort toPort = LocalPort) =>
        PacketBuilder.Tcp(Remote, fromPort, Local, toPort);

    /// <summary>Moves virtual time forward and polls, so due timers fire.</summary>
    public void Advance(long microseconds)
    {
        Clock.Advance(microseconds);
        Engine.Poll();
    }

    /// <summary>The next segment the engine sent; fails when there is none.</summary>
    public Segment Expect()
    {
        Assert.True(Device.Sent.Count > 0, "expected a segment, but nothing was sent");
        return Parse(Device.Sent.Dequeue());
    }

    /// <summary>Asserts that nothing (more) was sent.</summary>
    public void ExpectNothing()
    {
        if (Device.Sent.Count > 0)
        {
            Assert.Fail($"expected no segment, but got {Parse(Device.Sent.Peek())}");
        }
    }

    public static Segment Parse(byte[] packet)
    {
        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out DropReason ipReason), $"bad IP packet: {ipReason}");
        Assert.Equal(IpProtocol.Tcp, ip.Protocol);
        Assert.True(TcpHeader.TryParse(ip.Payload, ip.Source, ip.Destination, verifyChecksum: true, out TcpHeader tcp, out DropReason reason),
            $"bad TCP segment: {reason}");
        Assert.True(TcpOptions.TryParse(tcp.Options, out TcpOptions options), "malformed options in our own segment");
        return new Segment
        {
            Flags = tcp.Flags,
            Seq = tcp.SequenceNumber,
            Ack = tcp.AcknowledgmentNumber,
            Window = tcp.Window,
            Options = options,
            Payload = tcp.Payload.ToArray(),
            SourcePort = tcp.SourcePort,
            DestinationPort = tcp.DestinationPort,
        };
    }

    // ------------------------------------------------------------ reaching states

    /// <summary>Listens on <see cref="LocalPort"/>, lets the peer open a connection with the given options, and returns our SYN-ACK.</summary>
    public Segment PassiveSynReceived(uint peerIss, TcpOptions synOptions, ushort window = 65535)
    {
        Engine.Listen(LocalPort, 16, Handler);
        Inject(new Segment { Flags = TcpFlags.Syn, Seq = peerIss, Window = window, Options = synOptions });
        Segment synAck = Expect();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(peerIss + 1, synAck.Ack);
        return synAck;
    }

    /// <summary>Completes a passive open and accepts it: returns the established connection and our ISS.</summary>
    public (TcpConnection Connection, uint Iss) PassiveEstablished(uint peerIss, TcpOptions? synOptions = null, ushort window = 65535)
    {
        TcpOptions options = synOptions ?? new TcpOptions { HasMss = true, Mss = 1460 };
        Segment synAck = PassiveSynReceived(peerIss, options, window);
        TcpOptions ackOptions = default;
        if (synAck.Options.HasTimestamps)
        {
            ackOptions.HasTimestamps = true;
            ackOptions.TsVal = options.TsVal + 1;
            ackOptions.TsEcr = synAck.Options.TsVal;
        }
        Inject(new Segment { Flags = TcpFlags.Ack, Seq = peerIss + 1, Ack = synAck.Seq + 1, Window = window, Options = ackOptions });
        ExpectNothing();
        Assert.True(Handler.Listener!.TryAccept(out TcpConnection? connection));
        connection!.Handler = Handler;
        Assert.Equal(TcpState.Established, connection.State);
        return (connection, synAck.Seq);
    }

    /// <summary>Starts an active open to the peer and returns the connection and our SYN.</summary>
    public (TcpConnection Connection, Segment Syn) ActiveSynSent()
    {
        TcpConnection connection = Engine.Connect(Remote, RemotePort, Handler, localPort: 50000);
        Segment syn = Expect();
        Assert.Equal(TcpFlags.Syn, syn.Flags);
        return (connection, syn);
    }
}
