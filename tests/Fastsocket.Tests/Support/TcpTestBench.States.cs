using Fastsocket.Tcp;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Support;

/// <summary>
/// Helpers for the state-by-state conformance tests: each one drives a connection into one RFC 9293 state with
/// only the MSS option, a small receive buffer and fixed sequence numbers, asserting every segment on the way.
/// </summary>
public sealed partial class TcpTestBench
{
    /// <summary>The peer's ISS in the state helpers: RCV.NXT is <c>PeerIss + 1</c> once synchronized.</summary>
    public const uint PeerIss = 1000;

    /// <summary>Our port for active opens.</summary>
    public const ushort ActiveLocalPort = 50000;

    /// <summary>Only MSS: no window scaling, timestamps or SACK, so windows and sequence numbers are easy to predict.</summary>
    public static TcpOptions MssOnly => new() { HasMss = true, Mss = 1460 };

    /// <summary>A config with a small receive buffer (RCV.WND equals it, unscaled) for tests that aim at the window edges.</summary>
    public static TcpConfig SmallWindowConfig(int receiveBuffer = 4096)
    {
        var config = new TcpConfig { ReceiveBufferSize = receiveBuffer };
        return config;
    }

    /// <summary>A bench whose connections advertise a 4096-byte window.</summary>
    public static TcpTestBench Small(BenchDesign design, int receiveBuffer = 4096) => new(design, SmallWindowConfig(receiveBuffer));

    /// <summary>RCV.WND we advertise with the receive buffer empty (the buffer size: no scaling with <see cref="MssOnly"/>).</summary>
    public ushort Wnd => (ushort)Config.ReceiveBufferSize;

    /// <summary>
    /// RCV.WND after the peer's FIN: the FIN takes one sequence number but no buffer space, and a right edge that
    /// would move by less than an MSS is not advanced (receiver SWS avoidance), so the window shrinks by one.
    /// </summary>
    public ushort WndAfterFin => (ushort)(Config.ReceiveBufferSize - 1);

    public TcpConnection? Find(ushort localPort = LocalPort, ushort remotePort = RemotePort) =>
        Engine.FindConnection(new FlowKey(Local, localPort, Remote, remotePort));

    /// <summary>Builds and injects a segment from the peer to the passive side (or to <paramref name="toPort"/>).</summary>
    public void Send(TcpFlags flags, uint seq, uint ack = 0, byte[]? payload = null, ushort window = 65535,
        TcpOptions options = default, ushort fromPort = RemotePort, ushort toPort = LocalPort) =>
        Inject(new Segment { Flags = flags, Seq = seq, Ack = ack, Payload = payload ?? [], Window = window, Options = options },
            fromPort, toPort);

    /// <summary>Asserts the next segment we sent with the given field checks (see <see cref="Check"/>); returns it.</summary>
    public Segment Expect(params SegmentCheck[] checks) => Check.Tcp(Expect(), checks);

    /// <summary>Asserts a bare ACK, no payload and no options (the form of a challenge ACK and of the reply to an unacceptable segment).</summary>
    public Segment ExpectAck(uint seq, uint ack, ushort window) =>
        Expect(Flags(TcpFlags.Ack), Seq(seq), Ack(ack), Window(window), NoPayload, NoOptions);

    /// <summary>Passive open with MSS only, accepted: ESTABLISHED with RCV.NXT = PeerIss + 1, SND.NXT = ISS + 1.</summary>
    public (TcpConnection Connection, uint Iss) Established() => PassiveEstablished(PeerIss, MssOnly);

    /// <summary>A further passive connection from another peer port on the already-open listener.</summary>
    public (TcpConnection Connection, uint Iss) EstablishedFrom(ushort fromPort, uint peerIss = PeerIss)
    {
        Send(TcpFlags.Syn, peerIss, options: MssOnly, fromPort: fromPort);
        Segment synAck = Expect();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Send(TcpFlags.Ack, peerIss + 1, synAck.Seq + 1, fromPort: fromPort);
        ExpectNothing();
        Assert.True(Handler.Listener!.TryAccept(out TcpConnection? connection));
        connection!.Handler = Handler;
        Assert.Equal(TcpState.Established, connection.State);
        return (connection, synAck.Seq);
    }

    /// <summary>ESTABLISHED, then our Shutdown: FIN sent at ISS + 1, SND.NXT = ISS + 2.</summary>
    public (TcpConnection Connection, uint Iss) FinWait1()
    {
        (TcpConnection c, uint iss) = Established();
        c.Shutdown();
        Engine.FlushPending();
        Expect(Flags(TcpFlags.Fin | TcpFlags.Ack), Seq(iss + 1), Ack(PeerIss + 1), Window(Wnd), NoPayload, NoOptions);
        Assert.Equal(TcpState.FinWait1, c.State);
        return (c, iss);
    }

    /// <summary>FIN-WAIT-1, then the peer ACKs our FIN.</summary>
    public (TcpConnection Connection, uint Iss) FinWait2()
    {
        (TcpConnection c, uint iss) = FinWait1();
        Send(TcpFlags.Ack, PeerIss + 1, iss + 2);
        ExpectNothing();
        Assert.Equal(TcpState.FinWait2, c.State);
        return (c, iss);
    }

    /// <summary>FIN-WAIT-1, then the peer's FIN crosses ours (simultaneous close): RCV.NXT = PeerIss + 2.</summary>
    public (TcpConnection Connection, uint Iss) Closing()
    {
        (TcpConnection c, uint iss) = FinWait1();
        Send(TcpFlags.Fin | TcpFlags.Ack, PeerIss + 1, iss + 1);
        ExpectAck(iss + 2, PeerIss + 2, WndAfterFin);
        Assert.Equal(TcpState.Closing, c.State);
        return (c, iss);
    }

    /// <summary>ESTABLISHED, then the peer's FIN: RCV.NXT = PeerIss + 2.</summary>
    public (TcpConnection Connection, uint Iss) CloseWait()
    {
        (TcpConnection c, uint iss) = Established();
        Send(TcpFlags.Fin | TcpFlags.Ack, PeerIss + 1, iss + 1);
        ExpectAck(iss + 1, PeerIss + 2, WndAfterFin);
        Assert.Equal(TcpState.CloseWait, c.State);
        return (c, iss);
    }

    /// <summary>CLOSE-WAIT, then our Shutdown: FIN sent at ISS + 1.</summary>
    public (TcpConnection Connection, uint Iss) LastAck()
    {
        (TcpConnection c, uint iss) = CloseWait();
        c.Shutdown();
        Engine.FlushPending();
        Expect(Flags(TcpFlags.Fin | TcpFlags.Ack), Seq(iss + 1), Ack(PeerIss + 2), Window(WndAfterFin), NoPayload, NoOptions);
        Assert.Equal(TcpState.LastAck, c.State);
        return (c, iss);
    }

    /// <summary>FIN-WAIT-2, then the peer's FIN: the connection becomes a TIME-WAIT record (SND.NXT = ISS + 2, RCV.NXT = PeerIss + 2).</summary>
    public (TcpConnection Connection, uint Iss) TimeWait()
    {
        (TcpConnection c, uint iss) = FinWait2();
        Send(TcpFlags.Fin | TcpFlags.Ack, PeerIss + 1, iss + 2);
        ExpectAck(iss + 2, PeerIss + 2, WndAfterFin);
        Assert.Equal(TcpState.TimeWait, c.State);
        Assert.Equal(1, Engine.TimeWaitCount);
        Assert.Equal(0, Engine.ConnectionCount);
        return (c, iss);
    }
}
