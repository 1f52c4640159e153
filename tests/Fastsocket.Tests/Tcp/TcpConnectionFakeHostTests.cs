using System.Buffers;
using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp;

/// <summary>
/// <see cref="TcpConnection"/> alone, against a fake <see cref="ITcpHost"/>: no engine, no device. A passive open goes
/// through <see cref="ListenRules"/> as the engine's would; the test feeds segments, runs the batch flush and the
/// timer wheel itself, and asserts on the segments the host was asked to transmit.
/// </summary>
public class TcpConnectionFakeHostTests
{
    private const uint PeerIss = 5000;
    private static readonly IpAddress Local = IpAddress.FromIPv4(198, 18, 0, 1);
    private static readonly IpAddress Remote = IpAddress.FromIPv4(198, 18, 0, 2);
    private static readonly FlowKey Key = new(Local, 80, Remote, 40000);

    [Fact]
    public void PassiveOpenThroughTheListenRuleAnswersWithSynAckAndTheAgreedOptions()
    {
        var host = new FakeHost();
        TcpConnection connection = OpenPassive(host, out SeqNumber iss);

        Assert.Equal(TcpState.SynReceived, connection.State);
        Sent synAck = Assert.Single(host.Sent);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, synAck.Flags);
        Assert.Equal(iss.Value, synAck.Seq);
        Assert.Equal(PeerIss + 1, synAck.Ack);
        Assert.True(synAck.Options.HasMss);
        Assert.Equal(1460, synAck.Options.Mss);
        Assert.True(synAck.Options.HasWindowScale);
        Assert.True(synAck.Options.SackPermitted);
        Assert.True(synAck.Options.HasTimestamps);
        Assert.Equal(777u, synAck.Options.TsEcr);
        Assert.Equal(1, host.Listener.HalfOpen);
    }

    [Fact]
    public void TheFinalAckOfTheHandshakeEstablishesAndTellsTheHost()
    {
        var host = new FakeHost();
        TcpConnection connection = OpenPassive(host, out SeqNumber iss);

        Deliver(connection, TcpFlags.Ack, PeerIss + 1, iss + 1, tsVal: 778);

        Assert.Equal(TcpState.Established, connection.State);
        Assert.Same(connection, Assert.Single(host.PassiveEstablished));
        Assert.Equal(0, host.Listener.HalfOpen);
        Assert.Equal(1460, connection.SendMss);
        Assert.True(connection.WindowScalingEnabled && connection.TimestampsEnabled && connection.SackEnabled);
    }

    [Fact]
    public void InOrderDataIsReadableAndOneAckCoversTheBatch()
    {
        var host = new FakeHost();
        TcpConnection connection = Establish(host, out SeqNumber iss);
        var handler = new CountingHandler();
        connection.Handler = handler;

        Deliver(connection, TcpFlags.Ack | TcpFlags.Psh, PeerIss + 1, iss + 1, tsVal: 779, payload: "hello "u8.ToArray());
        Deliver(connection, TcpFlags.Ack | TcpFlags.Psh, PeerIss + 7, iss + 1, tsVal: 779, payload: "world"u8.ToArray());
        host.Sent.Clear();
        host.Flush();

        Assert.Equal(2, handler.Readable);
        Sent ack = Assert.Single(host.Sent);
        Assert.Equal(TcpFlags.Ack, ack.Flags);
        Assert.Equal(PeerIss + 1 + 11, ack.Ack);
        Assert.Equal((iss + 1).Value, ack.Seq);
        var buffer = new byte[32];
        int n = connection.Read(buffer);
        Assert.Equal("hello world"u8.ToArray(), buffer[..n]);
    }

    [Fact]
    public void WrittenBytesLeaveOnTheFlushAndTheAckReleasesThem()
    {
        var host = new FakeHost();
        TcpConnection connection = Establish(host, out SeqNumber iss);
        host.Sent.Clear();

        Assert.Equal(4, connection.Write("ping"u8));
        Assert.Empty(host.Sent);
        host.Flush();

        Sent data = Assert.Single(host.Sent);
        Assert.Equal(TcpFlags.Ack | TcpFlags.Psh, data.Flags);
        Assert.Equal((iss + 1).Value, data.Seq);
        Assert.Equal("ping"u8.ToArray(), data.Payload);
        Assert.Equal(4, connection.Unacknowledged);

        Deliver(connection, TcpFlags.Ack, PeerIss + 1, iss + 5, tsVal: 780);
        Assert.Equal(0, connection.Unacknowledged);
    }

    [Fact]
    public void PeerFinThenCloseRunsThroughCloseWaitAndLastAck()
    {
        var host = new FakeHost();
        TcpConnection connection = Establish(host, out SeqNumber iss);
        host.Sent.Clear();

        Deliver(connection, TcpFlags.Fin | TcpFlags.Ack, PeerIss + 1, iss + 1, tsVal: 781);
        host.Flush();
        Assert.Equal(TcpState.CloseWait, connection.State);
        Assert.True(connection.ReceiveCompleted);
        Assert.Equal(PeerIss + 2, Assert.Single(host.Sent).Ack);

        host.Sent.Clear();
        connection.Close();
        host.Flush();
        Assert.Equal(TcpState.LastAck, connection.State);
        Sent fin = Assert.Single(host.Sent);
        Assert.Equal(TcpFlags.Fin | TcpFlags.Ack, fin.Flags);
        Assert.Equal((iss + 1).Value, fin.Seq);

        Deliver(connection, TcpFlags.Ack, PeerIss + 2, iss + 2, tsVal: 782);
        Assert.Equal(TcpState.Closed, connection.State);
        Assert.Equal([(connection, false)], host.Finished);
        Assert.Same(connection, Assert.Single(host.Recycled));
    }

    [Fact]
    public void ALostSynAckIsSentAgainWhenTheRetransmissionTimerFires()
    {
        var host = new FakeHost();
        TcpConnection connection = OpenPassive(host, out SeqNumber iss);
        host.Sent.Clear();

        host.AdvanceTo(host.NowMicroseconds + connection.RetransmissionTimeoutMicroseconds - 1000);
        Assert.Empty(host.Sent);
        host.AdvanceTo(host.NowMicroseconds + 2000);

        Sent again = Assert.Single(host.Sent);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, again.Flags);
        Assert.Equal(iss.Value, again.Seq);
        Assert.Equal(1, host.Statistics.Retransmissions);
    }

    [Fact]
    public void AnInWindowResetGetsAChallengeAckAndAnExactOneCloses()
    {
        var host = new FakeHost();
        TcpConnection connection = Establish(host, out _);
        host.Sent.Clear();

        Deliver(connection, TcpFlags.Rst, PeerIss + 100, default);
        Sent challenge = Assert.Single(host.Sent);
        Assert.Equal(TcpFlags.Ack, challenge.Flags);
        Assert.Equal(PeerIss + 1, challenge.Ack);
        Assert.Equal(TcpState.Established, connection.State);

        Deliver(connection, TcpFlags.Rst, PeerIss + 1, default);
        Assert.Equal(TcpState.Closed, connection.State);
        Assert.Equal(SocketError.ConnectionReset, connection.Error);
    }

    [Fact]
    public void TheListenRuleResetsAnAckAndDropsASynWhenTheQueueIsFull()
    {
        IncomingSegment ack = default;
        ack.Seq = new SeqNumber(PeerIss);
        ack.Ack = new SeqNumber(123456);
        ack.Flags = TcpFlags.Ack;
        ListenVerdict verdict = ListenRules.OnSegment(Key, ack, canTakeSyn: true);
        Assert.Equal(ListenAction.Reply, verdict.Action);
        Assert.True(verdict.Reply.IsReset);
        Assert.Equal(123456u, verdict.Reply.Seq);

        IncomingSegment syn = default;
        syn.Seq = new SeqNumber(PeerIss);
        syn.Flags = TcpFlags.Syn;
        Assert.Equal(ListenAction.DropQueueFull, ListenRules.OnSegment(Key, syn, canTakeSyn: false).Action);
        Assert.Equal(ListenAction.Open, ListenRules.OnSegment(Key, syn, canTakeSyn: true).Action);
    }

    private static TcpConnection OpenPassive(FakeHost host, out SeqNumber iss)
    {
        IncomingSegment syn = default;
        syn.Seq = new SeqNumber(PeerIss);
        syn.Flags = TcpFlags.Syn;
        syn.Window = 65535;
        syn.Options.HasMss = true;
        syn.Options.Mss = 1460;
        syn.Options.HasWindowScale = true;
        syn.Options.WindowScale = 7;
        syn.Options.SackPermitted = true;
        syn.Options.HasTimestamps = true;
        syn.Options.TsVal = 777;
        ListenVerdict verdict = ListenRules.OnSegment(Key, syn, host.Listener.CanTakeSyn);
        Assert.Equal(ListenAction.Open, verdict.Action);
        iss = ListenRules.ChooseIss(new SeqNumber(90_000), floor: null);
        var connection = new TcpConnection();
        host.Listener.AddHalfOpen(1);
        connection.OpenPassive(host, Key, iss, syn, host.Listener, 64 * 1024, 64 * 1024);
        return connection;
    }

    private static TcpConnection Establish(FakeHost host, out SeqNumber iss)
    {
        TcpConnection connection = OpenPassive(host, out iss);
        Deliver(connection, TcpFlags.Ack, PeerIss + 1, iss + 1, tsVal: 778);
        Assert.Equal(TcpState.Established, connection.State);
        return connection;
    }

    private static void Deliver(TcpConnection connection, TcpFlags flags, uint seq, SeqNumber ack, uint tsVal = 0, byte[]? payload = null)
    {
        IncomingSegment seg = default;
        seg.Seq = new SeqNumber(seq);
        seg.Ack = ack;
        seg.Flags = flags;
        seg.Window = 1024;
        if (tsVal != 0)
        {
            seg.Options.HasTimestamps = true;
            seg.Options.TsVal = tsVal;
        }
        seg.Payload = payload ?? [];
        connection.OnSegment(ref seg);
    }

    /// <summary>A transmitted segment, parsed back from the IPv4 packet the connection wrote.</summary>
    private sealed record Sent(TcpFlags Flags, uint Seq, uint Ack, ushort Window, TcpOptions Options, byte[] Payload);

    private sealed class FakeListener : ITcpListener
    {
        public int HalfOpen { get; private set; }

        public ushort Port => 80;

        public int MaxSegmentSize => 0;

        public bool IsClosed => false;

        public bool CanTakeSyn => HalfOpen < 8;

        public void AddHalfOpen(int delta) => HalfOpen += delta;
    }

    private sealed class CountingHandler : ITcpConnectionHandler
    {
        public int Readable { get; private set; }

        public void OnConnected(TcpConnection connection, SocketError error)
        {
        }

        public void OnReadable(TcpConnection connection) => Readable++;

        public void OnWritable(TcpConnection connection)
        {
        }

        public void OnClosed(TcpConnection connection, SocketError error)
        {
        }
    }

    /// <summary>The engine's services, reduced to recording: every segment is parsed (checksums verified) and kept.</summary>
    private sealed class FakeHost : ITcpHost
    {
        private readonly byte[] _transmit = new byte[1500];
        private readonly TimerWheel _timers;
        private readonly List<TcpConnection> _flush = [];
        private readonly List<TcpConnection> _endOfTurn = [];

        public FakeHost() => _timers = new TimerWheel(NowMicroseconds);

        public long NowMicroseconds { get; private set; } = 1_000_000;

        public int CoreId => 0;

        public TcpConfig Config { get; } = new();

        public string StackName => "fake";

        public ReceiveMemoryBudget ReceiveMemory { get; } = new(ReceiveMemoryBudget.Unlimited);

        public TcpStatistics Statistics { get; } = new();

        public ArrayPool<byte> BufferPool { get; } = ArrayPool<byte>.Create();

        public Span<byte> TransmitBuffer => _transmit;

        public FakeListener Listener { get; } = new();

        public List<Sent> Sent { get; } = [];

        public List<TcpConnection> PassiveEstablished { get; } = [];

        public List<(TcpConnection, bool)> Finished { get; } = [];

        public List<TcpConnection> Recycled { get; } = [];

        public int MaxTcpSegmentLength(IpAddress local) => 1500 - IPv4Header.Length;

        public void TransmitPacket(int length)
        {
            ReadOnlySpan<byte> packet = _transmit.AsSpan(0, length);
            Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out _));
            Assert.Equal(Local, ip.Source);
            Assert.Equal(Remote, ip.Destination);
            Assert.True(TcpHeader.TryParse(ip.Payload, ip.Source, ip.Destination, verifyChecksum: true, out TcpHeader tcp, out _));
            Assert.True(TcpOptions.TryParse(tcp.Options, out TcpOptions options));
            Sent.Add(new Sent(tcp.Flags, tcp.SequenceNumber, tcp.AcknowledgmentNumber, tcp.Window, options, tcp.Payload.ToArray()));
        }

        public uint TimestampOffset(in FlowKey key) => 0;

        public void ScheduleTimer(TimerEntry entry, long deadlineMicroseconds) => _timers.Schedule(entry, deadlineMicroseconds);

        public void CancelTimer(TimerEntry entry) => _timers.Cancel(entry);

        public void RequestFlush(TcpConnection connection) => _flush.Add(connection);

        public void SendAckAtEndOfTurn(TcpConnection connection) => _endOfTurn.Add(connection);

        public void OnPassiveEstablished(TcpConnection connection)
        {
            Listener.AddHalfOpen(-1);
            PassiveEstablished.Add(connection);
        }

        public void OnConnectionFinished(TcpConnection connection, bool enterTimeWait)
        {
            Finished.Add((connection, enterTimeWait));
            if (connection.ApplicationReleased)
            {
                Recycle(connection);
            }
        }

        public void OnApplicationClosed(TcpConnection connection)
        {
        }

        public void Recycle(TcpConnection connection) => Recycled.Add(connection);

        /// <summary>The end of a batch, as the engine runs it.</summary>
        public void Flush()
        {
            TcpConnection[] pending = [.. _flush];
            _flush.Clear();
            foreach (TcpConnection connection in pending)
            {
                connection.FlushOutput();
            }
            TcpConnection[] awaiting = [.. _endOfTurn];
            _endOfTurn.Clear();
            foreach (TcpConnection connection in awaiting)
            {
                connection.SendAckAwaitingReply();
            }
        }

        public void AdvanceTo(long nowMicroseconds)
        {
            NowMicroseconds = nowMicroseconds;
            _timers.Advance(nowMicroseconds);
            Flush();
        }
    }
}
