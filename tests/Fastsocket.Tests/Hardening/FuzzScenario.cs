using System.Buffers.Binary;
using System.Net.Sockets;
using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

/// <summary>
/// The whole-engine fuzz target, shared by the AFL++ harness (fuzz/Fastsocket.Fuzz links this file) and the
/// regression tests: one <see cref="NetworkEngine"/> on a virtual clock with a listener on port 80, two accepted
/// connections (one that negotiated every option, one with MSS only) and one active connection to the peer's port
/// 443, all set up by a scripted handshake whose replies come from what the engine itself transmitted. The fuzz
/// input is then a series of records, each a packet or an application call, followed by a clock step and a poll.
/// Any exception that leaves the engine is a finding; so is a connection or TIME-WAIT record left over after every
/// connection is ended and the clock has moved past every timer.
/// Only the engine's public API is used, because the harness assembly sees nothing internal.
/// </summary>
/// <remarks>
/// <para>Record layout (<see cref="RecordHeaderLength"/> bytes, then the body):</para>
/// <list type="bullet">
/// <item>byte 0, control: bits 0-1 the mode (<see cref="FuzzMode"/>), bits 2-3 the flow or connection, bits 4-7 mode flags;</item>
/// <item>byte 1, clock step after the record: 0 none, else <c>(b &amp; 15) &lt;&lt; (b &gt;&gt; 4)</c> milliseconds (up to about 8 minutes);</item>
/// <item>bytes 2-3, body length, big-endian, cut to what the input has left.</item>
/// </list>
/// <para>In <see cref="FuzzMode.FlowSegment"/> the body is a TCP header and payload: the ports are always set to the chosen
/// flow's, and flag bit 4 patches SEQ to what the engine expects, bit 5 ACK to the engine's SND.NXT, bit 6 the timestamp
/// option (if present) to the peer's clock and the engine's last TSval, bit 7 takes SEQ from what this peer sent instead
/// of the engine's last ACK. The checksums are always made right.</para>
/// </remarks>
internal sealed class FuzzScenario : IListenerHandler, ITcpConnectionHandler
{
    /// <summary>Bytes before each record's body.</summary>
    public const int RecordHeaderLength = 4;

    /// <summary>The engine's address.</summary>
    public static readonly IpAddress LocalAddress = IpAddress.FromIPv4(198, 18, 0, 2);

    /// <summary>The scripted peer's address.</summary>
    public static readonly IpAddress PeerAddress = IpAddress.FromIPv4(198, 18, 0, 1);

    /// <summary>The port the engine listens on.</summary>
    public const ushort ListenPort = 80;

    /// <summary>The peer port the engine's active connections go to.</summary>
    public const ushort ActivePeerPort = 443;

    /// <summary>The peer port of the flow the fuzzer may open itself through the listener (flow 3).</summary>
    public const ushort FreshPeerPort = 50000;

    /// <summary>Small buffers, so that full windows and full send buffers are a few packets away.</summary>
    public const int BufferSize = 16 * 1024;

    private const int MaxBody = 4096;
    private const ushort PeerWindow = 8192;
    private const long FinalStepMicroseconds = 60_000_000;
    private const int FinalSteps = 240; // four virtual hours: past every retransmission, FIN-WAIT-2 and TIME-WAIT timer

    private readonly FlowTracker[] _flows;
    private readonly List<TcpConnection> _held = [];
    private readonly byte[] _packet = new byte[IPv4Header.Length + 60 + MaxBody];
    private readonly byte[] _scratch = new byte[MaxBody];
    private Listener? _listener;
    private uint _peerTsVal = 7_000;
    private ushort _ipId = 1;

    /// <summary>Builds the engine and opens the three live connections.</summary>
    public FuzzScenario()
    {
        Clock = new VirtualClock();
        _flows =
        [
            new FlowTracker(ListenPort, 40000, peerIss: 1_000),
            new FlowTracker(ListenPort, 40001, peerIss: 5_000_000),
            new FlowTracker(0, ActivePeerPort, peerIss: 3_000_000_000),
            new FlowTracker(ListenPort, FreshPeerPort, peerIss: 77),
        ];
        var device = new CaptureDevice(this);
        Engine = new NetworkEngine(new EngineOptions
        {
            LocalAddress = LocalAddress,
            Device = device,
            Clock = Clock,
            Tcp = new TcpConfig { SendBufferSize = BufferSize, ReceiveBufferSize = BufferSize, MaxOutOfOrderRanges = 4 },
            RandomSeed = 1,
            IsnKey = new byte[16],
        });
        _listener = Engine.Listen(ListenPort, 4, this);

        var full = new TcpOptions { HasMss = true, Mss = 1460, SackPermitted = true, HasTimestamps = true, HasWindowScale = true, WindowScale = 7 };
        Handshake(_flows[0], full);
        Handshake(_flows[1], new TcpOptions { HasMss = true, Mss = 536 });

        Engine.Connect(PeerAddress, ActivePeerPort, this);
        FlowTracker active = _flows[2];
        if (!active.SeenEngine)
        {
            throw new InvalidOperationException("the active connection sent no SYN");
        }
        SendSegment(active, active.PeerSent, active.EngineNext, TcpFlags.Syn | TcpFlags.Ack, full with { TsVal = NextPeerTsVal(), TsEcr = active.EngineTsVal }, []);
        active.PeerSent++;
        Engine.Poll();

        if (_held.Count != 3 || Engine.ConnectionCount != 3)
        {
            throw new InvalidOperationException($"scripted handshakes failed: held={_held.Count} live={Engine.ConnectionCount}");
        }
    }

    /// <summary>The virtual clock the engine runs on.</summary>
    public VirtualClock Clock { get; }

    /// <summary>The engine under test.</summary>
    public NetworkEngine Engine { get; }

    /// <summary>Connections the application side holds (accepted or connected, not yet closed).</summary>
    public IReadOnlyList<TcpConnection> Held => _held;

    /// <summary>Runs one fuzz input on a fresh scenario, then ends everything and checks that nothing is left.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        var scenario = new FuzzScenario();
        while (!input.IsEmpty)
        {
            int consumed = scenario.Step(input);
            input = input[consumed..];
        }
        scenario.EndAll();
    }

    /// <summary>Decodes and applies the record at the start of <paramref name="input"/>; returns the bytes it used.</summary>
    public int Step(ReadOnlySpan<byte> input)
    {
        if (input.Length < RecordHeaderLength)
        {
            return input.Length;
        }
        byte control = input[0];
        byte clockStep = input[1];
        int length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(input[2..]), Math.Min(input.Length - RecordHeaderLength, MaxBody));
        ReadOnlySpan<byte> body = input.Slice(RecordHeaderLength, length);
        var mode = (FuzzMode)(control & 3);
        int selector = (control >> 2) & 3;
        int flags = control >> 4;
        switch (mode)
        {
            case FuzzMode.RawPacket:
                Engine.Receive(body);
                break;
            case FuzzMode.RawPacketFixedChecksums:
                ReceiveWithFixedChecksums(body);
                break;
            case FuzzMode.FlowSegment:
                ReceiveFlowSegment(_flows[selector], flags, body);
                break;
            default:
                ApplicationCall(selector, flags, body);
                break;
        }
        if (clockStep != 0)
        {
            Clock.Advance((long)(clockStep & 15) << (clockStep >> 4) << 10 /* ~ms in microseconds */);
        }
        Engine.Poll();
        CheckPublicInvariants();
        return RecordHeaderLength + length;
    }

    /// <summary>
    /// Ends every connection the application holds (abort, then close), closes the listener and runs the clock
    /// through <see cref="FinalSteps"/> minutes; throws when a connection or TIME-WAIT record is left over.
    /// </summary>
    public void EndAll()
    {
        foreach (TcpConnection connection in _held)
        {
            connection.Abort();
            connection.Close();
        }
        _held.Clear();
        if (_listener is not null)
        {
            Engine.CloseListener(_listener);
            _listener = null;
        }
        for (int i = 0; i < FinalSteps && (Engine.ConnectionCount != 0 || Engine.TimeWaitCount != 0); i++)
        {
            Clock.Advance(FinalStepMicroseconds);
            Engine.Poll();
            // A connection that finished while the application held it is closed by the application once it hears of it.
            foreach (TcpConnection connection in _held)
            {
                connection.Close();
            }
            _held.Clear();
        }
        if (Engine.ConnectionCount != 0 || Engine.TimeWaitCount != 0)
        {
            throw new InvalidOperationException(
                $"tables not empty after every connection ended: live={Engine.ConnectionCount} timeWait={Engine.TimeWaitCount}");
        }
    }

    /// <summary>Encodes one record (for seed corpora and tests).</summary>
    public static byte[] Record(FuzzMode mode, int selector, int flags, byte clockStep, ReadOnlySpan<byte> body)
    {
        var record = new byte[RecordHeaderLength + body.Length];
        record[0] = (byte)((int)mode | (selector & 3) << 2 | (flags & 15) << 4);
        record[1] = clockStep;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(2), (ushort)body.Length);
        body.CopyTo(record.AsSpan(RecordHeaderLength));
        return record;
    }

    // ---------------------------------------------------------------- packets

    private void Handshake(FlowTracker flow, TcpOptions options)
    {
        if (options.HasTimestamps)
        {
            options.TsVal = NextPeerTsVal();
        }
        SendSegment(flow, flow.PeerSent, 0, TcpFlags.Syn, options, []);
        flow.PeerSent++;
        Engine.Poll();
        var ack = new TcpOptions { HasTimestamps = options.HasTimestamps, TsVal = NextPeerTsVal(), TsEcr = flow.EngineTsVal };
        SendSegment(flow, flow.PeerSent, flow.EngineNext, TcpFlags.Ack, ack, []);
        Engine.Poll();
    }

    private void SendSegment(FlowTracker flow, uint seq, uint ack, TcpFlags flags, in TcpOptions options, ReadOnlySpan<byte> payload)
    {
        Span<byte> packet = _packet;
        int tcpLength = TcpSegmentWriter.Write(packet[IPv4Header.Length..], PeerAddress, flow.PeerPort, LocalAddress, flow.LocalPort,
            seq, ack, flags, PeerWindow, options, payload);
        IPv4Header.Write(packet, PeerAddress, LocalAddress, IpProtocol.Tcp, tcpLength, _ipId++);
        Engine.Receive(packet[..(IPv4Header.Length + tcpLength)]);
    }

    private void ReceiveWithFixedChecksums(ReadOnlySpan<byte> body)
    {
        Span<byte> packet = _packet.AsSpan(0, body.Length);
        body.CopyTo(packet);
        if (packet.Length >= IPv4Header.Length && packet[0] >> 4 == 4)
        {
            int headerLength = (packet[0] & 15) * 4;
            if (headerLength >= IPv4Header.Length && headerLength <= packet.Length)
            {
                packet[10] = 0;
                packet[11] = 0;
                InternetChecksum.Store(packet[10..], InternetChecksum.Finish(InternetChecksum.Accumulate(packet[..headerLength])));
                Span<byte> segment = packet[headerLength..];
                if (packet[9] == IpProtocol.Tcp && segment.Length >= TcpHeader.MinLength)
                {
                    FixTcpChecksum(IpAddress.FromIPv4Bytes(packet[12..16]), IpAddress.FromIPv4Bytes(packet[16..20]), segment);
                }
            }
        }
        Engine.Receive(packet);
    }

    private void ReceiveFlowSegment(FlowTracker flow, int flags, ReadOnlySpan<byte> body)
    {
        int length = Math.Max(body.Length, TcpHeader.MinLength);
        Span<byte> segment = _packet.AsSpan(IPv4Header.Length, length);
        segment.Clear();
        body.CopyTo(segment);
        BinaryPrimitives.WriteUInt16BigEndian(segment, flow.PeerPort);
        BinaryPrimitives.WriteUInt16BigEndian(segment[2..], flow.LocalPort);
        uint seq = (flags & 8) != 0 ? flow.PeerSent : flow.EngineAck;
        if ((flags & 1) != 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(segment[4..], seq);
        }
        if ((flags & 2) != 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(segment[8..], flow.EngineNext);
        }
        int headerLength = (segment[12] >> 4) * 4;
        bool headerFits = headerLength >= TcpHeader.MinLength && headerLength <= segment.Length;
        if ((flags & 4) != 0 && headerFits)
        {
            PatchTimestamps(segment[TcpHeader.MinLength..headerLength], flow);
        }
        if (headerFits)
        {
            var tcpFlags = (TcpFlags)segment[13];
            uint sent = BinaryPrimitives.ReadUInt32BigEndian(segment[4..]) + (uint)(segment.Length - headerLength);
            if ((tcpFlags & TcpFlags.Syn) != 0)
            {
                sent++;
            }
            if ((tcpFlags & TcpFlags.Fin) != 0)
            {
                sent++;
            }
            flow.PeerSent = sent;
        }
        FixTcpChecksum(PeerAddress, LocalAddress, segment);
        IPv4Header.Write(_packet, PeerAddress, LocalAddress, IpProtocol.Tcp, length, _ipId++);
        Engine.Receive(_packet.AsSpan(0, IPv4Header.Length + length));
    }

    private void PatchTimestamps(Span<byte> options, FlowTracker flow)
    {
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == TcpOptionKind.EndOfList)
            {
                return;
            }
            if (kind == TcpOptionKind.NoOperation)
            {
                i++;
                continue;
            }
            if (i + 1 >= options.Length || options[i + 1] < 2)
            {
                return;
            }
            int optionLength = options[i + 1];
            if (kind == TcpOptionKind.Timestamps && optionLength == 10 && i + 10 <= options.Length)
            {
                BinaryPrimitives.WriteUInt32BigEndian(options[(i + 2)..], NextPeerTsVal());
                BinaryPrimitives.WriteUInt32BigEndian(options[(i + 6)..], flow.EngineTsVal);
                return;
            }
            i += optionLength;
        }
    }

    private static void FixTcpChecksum(IpAddress source, IpAddress destination, Span<byte> segment)
    {
        segment[16] = 0;
        segment[17] = 0;
        ulong sum = InternetChecksum.PseudoHeader(source, destination, IpProtocol.Tcp, segment.Length);
        InternetChecksum.Store(segment[16..], InternetChecksum.Finish(InternetChecksum.Accumulate(segment, sum)));
    }

    private uint NextPeerTsVal() => _peerTsVal += 3;

    // ---------------------------------------------------------------- application calls

    private void ApplicationCall(int selector, int flags, ReadOnlySpan<byte> body)
    {
        int operation = flags & 7;
        if (operation == 5)
        {
            try
            {
                Engine.Connect(PeerAddress, ActivePeerPort, this);
            }
            catch (SocketException)
            {
                // No ephemeral port left towards the peer: API misuse reported the standard way, not a finding.
            }
            return;
        }
        if (operation == 6)
        {
            if (_listener is null)
            {
                _listener = Engine.Listen(ListenPort, 1 + (selector & 3), this);
            }
            else
            {
                Engine.CloseListener(_listener);
                _listener = null;
            }
            return;
        }
        if (_held.Count == 0)
        {
            return;
        }
        int index = (selector + (body.IsEmpty ? 0 : body[0])) % _held.Count;
        TcpConnection connection = _held[index];
        switch (operation)
        {
            case 0:
                connection.Write(body.IsEmpty ? "x"u8 : body);
                break;
            case 1:
                connection.Read(_scratch.AsSpan(0, Math.Max(body.Length, 1)));
                break;
            case 2:
                connection.Shutdown();
                break;
            case 3:
                _held.RemoveAt(index);
                connection.Close();
                break;
            case 4:
                connection.Abort();
                break;
            default:
                if ((flags & 8) != 0)
                {
                    connection.KeepAlive = !connection.KeepAlive;
                }
                else
                {
                    connection.NoDelay = !connection.NoDelay;
                }
                break;
        }
    }

    private void CheckPublicInvariants()
    {
        foreach (TcpConnection connection in _held)
        {
            if (connection.Readable < 0 || connection.Readable > BufferSize || connection.Unacknowledged < 0 ||
                connection.Unacknowledged > BufferSize || connection.Writable < 0 || connection.Writable > BufferSize)
            {
                throw new InvalidOperationException(
                    $"buffer out of bounds on {connection.Key}: readable={connection.Readable} unacked={connection.Unacknowledged} writable={connection.Writable}");
            }
        }
        if (Engine.ConnectionCount < 0 || Engine.TimeWaitCount < 0)
        {
            throw new InvalidOperationException($"negative table count: live={Engine.ConnectionCount} timeWait={Engine.TimeWaitCount}");
        }
    }

    /// <inheritdoc />
    public void OnAcceptable(Listener listener)
    {
        while (listener.TryAccept(out TcpConnection? connection))
        {
            connection!.Handler = this;
            _held.Add(connection);
        }
    }

    /// <inheritdoc />
    public void OnConnected(TcpConnection connection, SocketError error)
    {
        if (!_held.Contains(connection))
        {
            _held.Add(connection);
        }
    }

    /// <inheritdoc />
    public void OnReadable(TcpConnection connection)
    {
    }

    /// <inheritdoc />
    public void OnWritable(TcpConnection connection)
    {
    }

    /// <inheritdoc />
    public void OnClosed(TcpConnection connection, SocketError error)
    {
    }

    /// <summary>Learns each flow's sequence state from what the engine transmits.</summary>
    private void Observe(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < IPv4Header.Length + TcpHeader.MinLength || packet[9] != IpProtocol.Tcp)
        {
            return;
        }
        ReadOnlySpan<byte> tcp = packet[((packet[0] & 15) * 4)..];
        ushort localPort = BinaryPrimitives.ReadUInt16BigEndian(tcp);
        ushort peerPort = BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]);
        var flags = (TcpFlags)tcp[13];
        FlowTracker? flow = null;
        foreach (FlowTracker candidate in _flows)
        {
            if (candidate.PeerPort == peerPort && (candidate.LocalPort == localPort || candidate.PeerPort == ActivePeerPort))
            {
                flow = candidate;
            }
        }
        if (flow is null)
        {
            return;
        }
        if (flow.PeerPort == ActivePeerPort && flow.LocalPort != localPort)
        {
            if ((flags & (TcpFlags.Syn | TcpFlags.Ack)) != TcpFlags.Syn)
            {
                return; // an older active connection; the tracker follows the newest one
            }
            flow.LocalPort = localPort;
        }
        int headerLength = (tcp[12] >> 4) * 4;
        uint seq = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
        uint end = seq + (uint)(tcp.Length - headerLength) + ((flags & TcpFlags.Syn) != 0 ? 1u : 0) + ((flags & TcpFlags.Fin) != 0 ? 1u : 0);
        if (!flow.SeenEngine || (int)(end - flow.EngineNext) > 0 || (flags & TcpFlags.Syn) != 0)
        {
            flow.EngineNext = end;
        }
        if ((flags & TcpFlags.Ack) != 0)
        {
            flow.EngineAck = BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]);
        }
        if (TcpOptions.TryParse(tcp[TcpHeader.MinLength..headerLength], out TcpOptions options) && options.HasTimestamps)
        {
            flow.EngineTsVal = options.TsVal;
        }
        flow.SeenEngine = true;
    }

    /// <summary>What the scripted peer knows of one flow.</summary>
    private sealed class FlowTracker(ushort localPort, ushort peerPort, uint peerIss)
    {
        public ushort LocalPort { get; set; } = localPort;

        public ushort PeerPort { get; } = peerPort;

        public uint PeerSent { get; set; } = peerIss;

        public uint EngineNext { get; set; }

        public uint EngineAck { get; set; } = peerIss;

        public uint EngineTsVal { get; set; }

        public bool SeenEngine { get; set; }
    }

    /// <summary>Hands transmitted packets to the tracker; never delivers anything (the scenario calls Receive itself).</summary>
    private sealed class CaptureDevice(FuzzScenario scenario) : IPacketDevice
    {
        public int Mtu => 1500;

        public int Poll(IPacketReceiver receiver, int maxPackets) => 0;

        public void Transmit(ReadOnlySpan<byte> packet) => scenario.Observe(packet);

        public void Flush()
        {
        }
    }
}

/// <summary>How a fuzz record's body is used (bits 0-1 of its control byte).</summary>
internal enum FuzzMode
{
    /// <summary>The body is a whole IP packet, delivered as is.</summary>
    RawPacket = 0,

    /// <summary>The body is a whole IP packet whose IPv4 and TCP checksums are made right first.</summary>
    RawPacketFixedChecksums = 1,

    /// <summary>The body is a TCP segment put on a live flow (ports set, SEQ/ACK/timestamps patched as the flags say).</summary>
    FlowSegment = 2,

    /// <summary>The body parameterizes an application call (write, read, shutdown, close, abort, connect, listen toggle, options).</summary>
    ApplicationCall = 3,
}
