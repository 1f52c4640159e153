using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

/// <summary>
/// SYN cookies wired into the engine (RFC 4987 3.6, Linux's tcp_syncookies=1), packet by packet on the virtual clock:
/// a listener with backlog 2 holds at most 3 half-open connections (backlog plus half); the next SYN is answered
/// statelessly, and the ACK that returns the cookie builds the connection.
/// </summary>
public sealed class SynCookieEngineTests
{
    private const int Backlog = 2;
    private const int HalfOpenBound = 3;
    private const uint ClientIss = 0x7000_0000;
    private const ushort ClientPort = 45000;

    private static readonly TcpOptions s_fullOptions = new()
    {
        HasMss = true, Mss = 1460, HasWindowScale = true, WindowScale = 7, SackPermitted = true, HasTimestamps = true, TsVal = 5000,
    };

    /// <summary>A bench listening with backlog 2 whose half-open queue is full of SYNs that never complete.</summary>
    private static TcpTestBench FloodedBench(BenchDesign design, TcpConfig? config = null)
    {
        var b = new TcpTestBench(design, config ?? new TcpConfig { ReceiveBufferSize = 1 << 20 });
        b.Engine.Listen(TcpTestBench.LocalPort, Backlog, b.Handler);
        for (int i = 0; i < HalfOpenBound; i++)
        {
            b.Send(TcpFlags.Syn, 100 + (uint)i, options: TcpTestBench.MssOnly, fromPort: (ushort)(41000 + i));
            Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, b.Expect().Flags);
        }
        Assert.Equal(HalfOpenBound, b.Engine.ConnectionCount);
        Assert.Equal(0, b.Engine.Statistics.SynCookiesSent);
        return b;
    }

    private static Segment SendCookieSyn(TcpTestBench b, TcpOptions options, ushort fromPort = ClientPort)
    {
        b.Send(TcpFlags.Syn, ClientIss, options: options, fromPort: fromPort);
        Segment synAck = b.Expect();
        b.ExpectNothing();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(ClientIss + 1, synAck.Ack);
        return synAck;
    }

    private static TcpOptions EchoOf(Segment synAck, uint tsVal) =>
        synAck.Options.HasTimestamps ? new TcpOptions { HasTimestamps = true, TsVal = tsVal, TsEcr = synAck.Options.TsVal } : default;

    private static FlowKey KeyFor(ushort fromPort) => new(TcpTestBench.Local, TcpTestBench.LocalPort, TcpTestBench.Remote, fromPort);

    [Theory]
    [DesignData]
    public void AFullHalfOpenQueueAnswersWithACookieAndKeepsNoState(BenchDesign design)
    {
        TcpTestBench b = FloodedBench(design);
        Segment synAck = SendCookieSyn(b, s_fullOptions);

        Assert.Equal(1, b.Engine.Statistics.SynCookiesSent);
        Assert.Equal(HalfOpenBound, b.Engine.ConnectionCount);
        Assert.Null(b.Find(remotePort: ClientPort));
        Assert.Equal(0, b.Engine.Statistics.Drops[DropReason.TcpListenQueueFull]);

        // The ISN is a cookie of the stack's key for this 4-tuple and the client's ISN, holding the MSS class of 1460.
        var codec = new SynCookieCodec(TcpTestBench.CookieKey);
        Assert.True(codec.TryDecode(KeyFor(ClientPort), new SeqNumber(synAck.Seq), new SeqNumber(ClientIss), b.Clock.NowMicroseconds, out ushort mss));
        Assert.Equal(1460, mss);

        // Our options as a stateful SYN-ACK would carry them; the client's wscale and SACK ride in the TSval's low bits.
        Assert.True(synAck.Options.HasMss);
        Assert.Equal(1460, synAck.Options.Mss);
        Assert.True(synAck.Options.HasWindowScale);
        Assert.Equal(TcpConnection.ReceiveShiftFor(b.Config, b.Config.ReceiveBufferSize), synAck.Options.WindowScale);
        Assert.True(synAck.Options.SackPermitted);
        Assert.True(synAck.Options.HasTimestamps);
        Assert.Equal(5000u, synAck.Options.TsEcr);
        Assert.True(SynCookieCodec.TryDecodeTimestampOptions(synAck.Options.TsVal, out bool scale, out byte shift, out bool sack));
        Assert.True(scale);
        Assert.Equal(7, shift);
        Assert.True(sack);
        Assert.Equal(ushort.MaxValue, synAck.Window);
    }

    [Theory]
    [DesignData]
    public void TheCookieAckEstablishesAConnectionThatAcceptReturnsAndThatMovesDataBothWays(BenchDesign design)
    {
        TcpTestBench b = FloodedBench(design);
        Segment synAck = SendCookieSyn(b, s_fullOptions);

        // The third step of the handshake carries the request already.
        byte[] request = "GET / HTTP/1.1\r\n\r\n"u8.ToArray();
        b.Send(TcpFlags.Ack | TcpFlags.Psh, ClientIss + 1, synAck.Seq + 1, request, window: 1000, options: EchoOf(synAck, 5001), fromPort: ClientPort);
        Assert.Equal(1, b.Engine.Statistics.SynCookiesValidated);
        Assert.Equal(1, b.Engine.Statistics.ConnectionsAccepted);
        Assert.NotNull(b.Handler.Listener);
        Assert.True(b.Handler.Listener!.TryAccept(out TcpConnection? connection));
        Assert.Equal(TcpState.Established, connection!.State);
        Assert.Equal(ClientPort, connection.Key.RemotePort);

        // What the cookie brought back: MSS class, the client's window scale (1000 << 7), SACK, timestamps.
        Assert.Equal(1460, connection.SendMss);
        Assert.True(connection.WindowScalingEnabled);
        Assert.Equal(1000 << 7, connection.SendWindow);
        Assert.True(connection.SackEnabled);
        Assert.True(connection.TimestampsEnabled);
        Assert.Equal(5001u, connection.TsRecent);

        // The request is the connection's first data: no reply came in the engine's turn, so it was acknowledged at
        // once (quick-ACK mode, as Linux).
        Segment ack = b.Expect();
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(ClientIss + 1 + (uint)request.Length, ack.Ack);

        var received = new byte[64];
        Assert.Equal(request.Length, connection.Read(received));
        Assert.Equal(request, received[..request.Length]);

        // Our answer leaves at SND.NXT = cookie + 1 and acknowledges the request.
        byte[] response = "HTTP/1.1 200 OK\r\n\r\n"u8.ToArray();
        Assert.Equal(response.Length, connection.Write(response));
        b.Engine.FlushPending();
        Segment data = b.Expect();
        Assert.Equal(synAck.Seq + 1, data.Seq);
        Assert.Equal(ClientIss + 1 + (uint)request.Length, data.Ack);
        Assert.Equal(response, data.Payload);
        Assert.True(data.Options.HasTimestamps);
        Assert.Equal(5001u, data.Options.TsEcr);

        // The client acknowledges it and sends more; the connection takes both.
        b.Send(TcpFlags.Ack, ClientIss + 1 + (uint)request.Length, synAck.Seq + 1 + (uint)response.Length, [42], window: 1000,
            options: EchoOf(data, 5002), fromPort: ClientPort);
        Assert.Equal(0, connection.Unacknowledged);
        Assert.Equal(1, connection.Readable);
        Assert.Equal(0, b.Engine.Statistics.SynCookiesRejected);
    }

    [Theory]
    [DesignData]
    public void AForgedAckIsRejectedAndCountedWithoutAReset(BenchDesign design)
    {
        TcpTestBench b = FloodedBench(design);
        Segment synAck = SendCookieSyn(b, s_fullOptions);
        long resets = b.Engine.Statistics.ResetsSent;

        b.Send(TcpFlags.Ack, ClientIss + 1, synAck.Seq + 2, options: EchoOf(synAck, 5001), fromPort: ClientPort);
        b.ExpectNothing();
        // A right cookie for another peer ISN is as wrong.
        b.Send(TcpFlags.Ack, ClientIss + 2, synAck.Seq + 1, options: EchoOf(synAck, 5001), fromPort: ClientPort);
        b.ExpectNothing();

        Assert.Equal(2, b.Engine.Statistics.SynCookiesRejected);
        Assert.Equal(2, b.Engine.Statistics.Drops[DropReason.SynCookieRejected]);
        Assert.Equal(resets, b.Engine.Statistics.ResetsSent);
        Assert.Equal(0, b.Engine.Statistics.SynCookiesValidated);
        Assert.Null(b.Find(remotePort: ClientPort));
    }

    [Theory]
    [DesignData]
    public void AnAckToAListenerThatSentNoCookieStillGetsAReset(BenchDesign design)
    {
        var b = new TcpTestBench(design);
        b.Engine.Listen(TcpTestBench.LocalPort, Backlog, b.Handler);
        b.Send(TcpFlags.Ack, ClientIss + 1, 12345, fromPort: ClientPort);
        b.Expect(Check.Flags(TcpFlags.Rst), Check.Seq(12345), Check.Ack(0), Check.Window(0), Check.NoPayload, Check.NoOptions);
        Assert.Equal(0, b.Engine.Statistics.SynCookiesRejected);
    }

    [Theory]
    [DesignData]
    public void ACookieTwoSlotsOldIsRejected(BenchDesign design)
    {
        TcpTestBench b = FloodedBench(design);
        Segment synAck = SendCookieSyn(b, s_fullOptions);

        // Still flooded at 100 s (the half-open SYN-ACK retries run to about 127 s), so the listener stays in cookie mode.
        b.Advance(99_000_000);
        b.Device.Sent.Clear();
        SendCookieSyn(b, s_fullOptions, fromPort: ClientPort + 1);
        Assert.Equal(2, b.Engine.Statistics.SynCookiesSent);

        // 130 s: the first cookie was made in slot 0 (0-64 s); slot 2 is beyond its two-slot life.
        b.Advance(30_000_000);
        b.Device.Sent.Clear();
        b.Send(TcpFlags.Ack, ClientIss + 1, synAck.Seq + 1, options: EchoOf(synAck, 9000), fromPort: ClientPort);
        b.ExpectNothing();
        Assert.Equal(1, b.Engine.Statistics.SynCookiesRejected);
        Assert.Equal(0, b.Engine.Statistics.SynCookiesValidated);
    }

    [Theory]
    [DesignData]
    public void ACookieFromThePreviousSlotIsAccepted(BenchDesign design)
    {
        TcpTestBench b = FloodedBench(design);
        Segment synAck = SendCookieSyn(b, s_fullOptions);
        b.Advance(70_000_000);
        b.Device.Sent.Clear();
        b.Send(TcpFlags.Ack, ClientIss + 1, synAck.Seq + 1, options: EchoOf(synAck, 9000), fromPort: ClientPort);
        Assert.Equal(1, b.Engine.Statistics.SynCookiesValidated);
        Assert.Equal(TcpState.Established, b.Find(remotePort: ClientPort)!.State);
    }

    [Theory]
    [DesignData]
    public void AClientWithoutTimestampsGetsNeitherWindowScaleNorSack(BenchDesign design)
    {
        TcpTestBench b = FloodedBench(design);
        TcpOptions options = s_fullOptions;
        options.HasTimestamps = false;
        options.Mss = 1400;
        Segment synAck = SendCookieSyn(b, options);
        Assert.True(synAck.Options.HasMss);
        Assert.False(synAck.Options.HasWindowScale);
        Assert.False(synAck.Options.SackPermitted);
        Assert.False(synAck.Options.HasTimestamps);

        b.Send(TcpFlags.Ack, ClientIss + 1, synAck.Seq + 1, window: 3000, fromPort: ClientPort);
        Assert.Equal(1, b.Engine.Statistics.SynCookiesValidated);
        Assert.True(b.Handler.Listener!.TryAccept(out TcpConnection? connection));
        Assert.False(connection!.WindowScalingEnabled);
        Assert.False(connection.SackEnabled);
        Assert.False(connection.TimestampsEnabled);
        // 1400 falls in the 1300 class: the cookie remembers less than the client said, never more.
        Assert.Equal(1300, connection.SendMss);
        Assert.Equal(3000, connection.SendWindow);
    }

    [Theory]
    [DesignData]
    public void WithCookiesOffAFullHalfOpenQueueDropsTheSyn(BenchDesign design)
    {
        TcpTestBench b = FloodedBench(design, new TcpConfig { SynCookies = false });
        b.Send(TcpFlags.Syn, ClientIss, options: s_fullOptions, fromPort: ClientPort);
        b.ExpectNothing();
        Assert.Equal(0, b.Engine.Statistics.SynCookiesSent);
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.TcpListenQueueFull]);
    }

    [Theory]
    [DesignData]
    public void ASynReopeningATimeWaitTupleOpensStatefullyPastAFullHalfOpenQueue(BenchDesign design)
    {
        // As Linux: the peer of a TIME-WAIT record is evidently real, and a cookie ISN could not honour the RFC 6191
        // floor; dropping it instead cost such clients a one-second SYN retransmission under the TUN flood test.
        TcpTestBench b = TcpTestBench.Small(design);
        (_, uint oldIss) = b.TimeWait();
        const int bound = 16 + 8;
        for (int i = 0; i < bound; i++)
        {
            b.Send(TcpFlags.Syn, 100 + (uint)i, options: TcpTestBench.MssOnly, fromPort: (ushort)(41000 + i));
            Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, b.Expect().Flags);
        }
        SendCookieSyn(b, s_fullOptions);
        Assert.Equal(1, b.Engine.Statistics.SynCookiesSent);
        Assert.Equal(bound, b.Engine.ConnectionCount);

        uint newIss = TcpTestBench.PeerIss + 100_000;
        b.Send(TcpFlags.Syn, newIss, options: TcpTestBench.MssOnly);
        Segment synAck = b.Expect();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(newIss + 1, synAck.Ack);
        Assert.True((int)(synAck.Seq - (oldIss + 2)) > 0, "the new ISS lies beyond the old incarnation's");
        Assert.Equal(1, b.Engine.Statistics.SynCookiesSent);
        Assert.Equal(1, b.Engine.Statistics.TimeWaitReused);
        Assert.Equal(0, b.Engine.TimeWaitCount);
        Assert.Equal(bound + 1, b.Engine.ConnectionCount);
    }

    [Theory]
    [DesignData]
    public void AFullAcceptQueueDropsTheSynEvenWithCookies(BenchDesign design)
    {
        var b = new TcpTestBench(design);
        b.Engine.Listen(TcpTestBench.LocalPort, 1, b.Handler);
        b.Send(TcpFlags.Syn, 100, options: TcpTestBench.MssOnly, fromPort: 41000);
        Segment first = b.Expect();
        b.Send(TcpFlags.Ack, 101, first.Seq + 1, fromPort: 41000);
        Assert.Equal(1, b.Engine.Statistics.ConnectionsAccepted);
        b.Send(TcpFlags.Syn, ClientIss, options: s_fullOptions, fromPort: ClientPort);
        b.ExpectNothing();
        Assert.Equal(0, b.Engine.Statistics.SynCookiesSent);
        Assert.Equal(1, b.Engine.Statistics.Drops[DropReason.TcpListenQueueFull]);
    }
}
