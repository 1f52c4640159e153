using System.Net.Sockets;
using Fastsocket.Devices;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// One per-core instance of the stack: it owns a device queue, its connection table, listeners, TIME-WAIT
/// records, timers and pools. Everything here runs on the engine's own thread and takes no lock: this is the
/// "local established table" of Fastsocket. <see cref="Poll"/> runs one batch: receive, timers, then one flush of
/// every connection that has something to send, so ACKs and data of a batch leave together.
/// </summary>
public sealed class NetworkEngine : IPacketReceiver, ITcpHost
{
    private const int DefaultBatch = 64;

    private readonly IPacketDevice _device;
    private readonly IClock _clock;
    private readonly byte[] _transmitBuffer;
    private readonly Dictionary<FlowKey, TcpConnection> _connections = new(1024);
    private readonly Dictionary<ushort, Listener> _listeners = new();
    private readonly TimeWaitTable _timeWait;
    private readonly IsnGenerator _isn;
    private readonly TimerWheel _timers;
    private readonly Stack<TcpConnection> _pool = new(4096);
    private readonly EphemeralPortSelector _ports;
    private readonly IpAddress[] _additionalAddresses;
    private readonly EphemeralPortFilter? _portFilter;
    private TcpConnection[] _flushList = new TcpConnection[256];
    private int _flushCount;
    private long _now;
    private ushort _ipIdentification;
    private readonly StackDesign _design;
    private readonly SharedConnectionTable? _shared;
    private int _ownedConnections;
    private bool _fromHandoff;

    public NetworkEngine(EngineOptions options)
        : this(options, null)
    {
    }

    internal NetworkEngine(EngineOptions options, FastsocketStack? stack)
    {
        ArgumentNullException.ThrowIfNull(options);
        Stack = stack;
        _design = stack?.Design ?? StackDesign.Fastsocket;
        _shared = stack?.SharedConnections;
        LocalAddress = options.LocalAddress;
        _additionalAddresses = options.AdditionalAddresses.ToArray();
        _device = options.Device;
        _clock = options.Clock;
        Config = options.Tcp;
        CoreId = options.CoreId;
        EphemeralPortFirst = options.EphemeralPortFirst;
        EphemeralPortLast = options.EphemeralPortLast;
        _portFilter = options.EphemeralPortFilter;
        _transmitBuffer = new byte[Math.Max(_device.Mtu, 576)];
        _timeWait = new TimeWaitTable(Config.MaxTimeWaitRecords);
        _isn = options.IsnKey is null ? new IsnGenerator() : new IsnGenerator(options.IsnKey);
        _ports = options.RandomSeed is int seed ? new EphemeralPortSelector(seed) : new EphemeralPortSelector();
        _now = _clock.NowMicroseconds;
        _timers = new TimerWheel(_now);
    }

    public IpAddress LocalAddress { get; }

    /// <summary>Whether <paramref name="address"/> is ours: the main address, or one of the few others.</summary>
    public bool IsLocalAddress(in IpAddress address)
    {
        if (address == LocalAddress)
        {
            return true;
        }
        foreach (IpAddress extra in _additionalAddresses)
        {
            if (extra == address)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The stack this engine is a core of, or null for a standalone single engine.</summary>
    public FastsocketStack? Stack { get; }

    public int CoreId { get; }

    public TcpConfig Config { get; }

    public EngineStatistics Statistics { get; } = new();

    /// <summary>Connection buffers, owned by this engine's thread.</summary>
    public EngineBufferPool BufferPool { get; } = new();

    TcpStatistics ITcpHost.Statistics => Statistics;

    System.Buffers.ArrayPool<byte> ITcpHost.BufferPool => BufferPool;

    public ushort EphemeralPortFirst { get; }

    public ushort EphemeralPortLast { get; }

    /// <summary>Connections this engine owns (in its table, or in the shared one for base and reuseport).</summary>
    public int ConnectionCount => Volatile.Read(ref _ownedConnections);

    public int TimeWaitCount => _timeWait.Count;

    public int PooledConnections => _pool.Count;

    public IPacketDevice Device => _device;

    public long NowMicroseconds => _now;

    Span<byte> ITcpHost.TransmitBuffer => _transmitBuffer;

    // ---------------------------------------------------------------- application API

    /// <summary>Starts listening on <paramref name="port"/> (any local address).</summary>
    public Listener Listen(ushort port, int backlog, IListenerHandler? handler = null)
    {
        if (port == 0)
        {
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        if (_listeners.ContainsKey(port) || Stack?.FindListener(port) is not null)
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }
        if (Stack is not null)
        {
            // A core of a stack listens through the stack's listener group, so the design decides which listener
            // takes a SYN; this engine's own listener is its entry in the local listen table.
            ListenerGroup group = Stack.Listen(port, backlog);
            Listener own = group.OpenLocal(CoreId);
            own.Handler = handler;
            group.Global.Handler ??= handler;
            return own;
        }
        var listener = new Listener(IpAddress.None, port, backlog, CoreId, shared: false) { Handler = handler };
        _listeners.Add(port, listener);
        return listener;
    }

    /// <summary>Stops a listener: no new SYNs are taken; connections still queued are reset, as close(2) on a listening socket does.</summary>
    public void CloseListener(Listener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (listener.IsClosed)
        {
            return;
        }
        listener.IsClosed = true;
        _listeners.Remove(listener.Port);
        while (listener.TryAccept(out TcpConnection? queued))
        {
            queued!.Abort();
            queued.Close();
        }
    }

    /// <summary>
    /// Opens a connection (sends SYN) from <paramref name="localAddress"/> (one of ours; the main address when null).
    /// The handler hears OnConnected when the handshake ends.
    /// </summary>
    public TcpConnection Connect(IpAddress remoteAddress, ushort remotePort, ITcpConnectionHandler? handler, ushort localPort = 0,
        int sendBufferSize = 0, int receiveBufferSize = 0, IpAddress? localAddress = null)
    {
        IpAddress source = localAddress ?? LocalAddress;
        if (!IsLocalAddress(source))
        {
            throw new SocketException((int)SocketError.AddressNotAvailable);
        }
        Refresh();
        TcpConnection connection = Rent();
        FlowKey key;
        if (localPort != 0)
        {
            key = new FlowKey(source, localPort, remoteAddress, remotePort);
            if (_timeWait.TryGet(key, out _) || !TryAddConnection(key, connection))
            {
                _pool.Push(connection);
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
        }
        else
        {
            key = AllocateEphemeralFlow(source, remoteAddress, remotePort, connection);
        }
        connection.OpenActive(this, key, _isn.Next(key, _now), handler,
            sendBufferSize > 0 ? sendBufferSize : Config.SendBufferSize,
            receiveBufferSize > 0 ? receiveBufferSize : Config.ReceiveBufferSize);
        FlushPending();
        return connection;
    }

    /// <summary>Whether a local port is taken towards a given peer (live connection or TIME-WAIT).</summary>
    public bool IsPortInUse(ushort localPort, IpAddress remoteAddress, ushort remotePort)
    {
        var key = new FlowKey(LocalAddress, localPort, remoteAddress, remotePort);
        return ContainsConnection(key) || _timeWait.TryGet(key, out _) || _listeners.ContainsKey(localPort) ||
               Stack?.FindListener(localPort) is not null;
    }

    /// <summary>
    /// Picks a free ephemeral port towards the peer and registers the connection under it, in one step so that two
    /// cores sharing a table cannot take the same port. The walk starts where <see cref="EphemeralPortSelector"/> says
    /// (RFC 6056 algorithm 4, as Linux). With Receive Flow Deliver it visits only ports p with p &amp; PortMask == this
    /// core, so every reply to the connection can be steered to it; an <see cref="EphemeralPortFilter"/> narrows
    /// it further. Exhaustion is AddressNotAvailable, as EADDRNOTAVAIL from connect(2).
    /// </summary>
    private FlowKey AllocateEphemeralFlow(IpAddress localAddress, IpAddress remoteAddress, ushort remotePort, TcpConnection connection)
    {
        int first = EphemeralPortFirst;
        int last = EphemeralPortLast;
        int stride = 1;
        int offset = 0;
        if (Stack is not null && _design == StackDesign.Fastsocket)
        {
            stride = Stack.PortMask + 1;
            offset = CoreId;
            first = (first + stride - 1) / stride * stride;
        }
        int count = (last - offset - first) / stride + 1;
        if (count > 0)
        {
            int start = _ports.Start(localAddress, remoteAddress, remotePort, count, out int slot);
            for (int i = 0; i < count; i++)
            {
                var port = (ushort)(first + offset + (start + i) % count * stride);
                var key = new FlowKey(localAddress, port, remoteAddress, remotePort);
                if ((_portFilter is not null && !_portFilter(CoreId, key)) || _timeWait.TryGet(key, out _) || _listeners.ContainsKey(port) || Stack?.FindListener(port) is not null)
                {
                    continue;
                }
                if (TryAddConnection(key, connection))
                {
                    _ports.Advance(slot, i);
                    return key;
                }
            }
        }
        _pool.Push(connection);
        throw new SocketException((int)SocketError.AddressNotAvailable);
    }

    // ---------------------------------------------------------------- connection table

    /// <summary>The local established table (fastsocket, standalone) or the shared one under its lock (base, reuseport).</summary>
    private bool TryFindConnection(in FlowKey key, out TcpConnection? connection)
    {
        if (_shared is null)
        {
            return _connections.TryGetValue(key, out connection);
        }
        return _shared.TryGet(key, Statistics, out connection);
    }

    private bool ContainsConnection(in FlowKey key) =>
        _shared is null ? _connections.ContainsKey(key) : _shared.Contains(key, Statistics);

    private bool TryAddConnection(in FlowKey key, TcpConnection connection)
    {
        bool added = _shared is null ? _connections.TryAdd(key, connection) : _shared.TryAdd(key, connection, Statistics);
        if (added)
        {
            _ownedConnections++;
        }
        return added;
    }

    private void RemoveConnection(in FlowKey key, TcpConnection connection)
    {
        if (_shared is null)
        {
            _connections.Remove(key);
        }
        else
        {
            _shared.Remove(key, connection, Statistics);
        }
        _ownedConnections--;
    }

    /// <summary>The live connection this engine owns for a 4-tuple, if any (half-open ones included); for tests and diagnostics.</summary>
    internal TcpConnection? FindConnection(in FlowKey key) =>
        TryFindConnection(key, out TcpConnection? connection) && connection!.CoreId == CoreId ? connection : null;

    // ---------------------------------------------------------------- the loop

    /// <summary>Runs one batch: packets from the device, expired timers, then output. Returns the packets received.</summary>
    public int Poll(int maxPackets = DefaultBatch)
    {
        Refresh();
        int received = _device.Poll(this, maxPackets);
        if (Stack is not null)
        {
            _fromHandoff = true;
            received += Stack.Handoff.Drain(CoreId, this, maxPackets);
            _fromHandoff = false;
        }
        _timers.Advance(_now);
        if (_timeWait.Count > 0)
        {
            _timeWait.Expire(_now);
        }
        FlushPending();
        return received;
    }

    /// <summary>The earliest timer deadline, for an idle engine deciding how long it may sleep.</summary>
    public long NextTimerDeadline() => _timers.NextDeadline();

    /// <summary>Sends whatever connections queued during application calls made outside <see cref="Poll"/>.</summary>
    public void FlushPending()
    {
        for (int i = 0; i < _flushCount; i++)
        {
            TcpConnection c = _flushList[i];
            _flushList[i] = null!;
            c.FlushOutput();
        }
        _flushCount = 0;
        _device.Flush();
    }

    private void Refresh() => _now = _clock.NowMicroseconds;

    // ---------------------------------------------------------------- receive path

    public void Receive(ReadOnlySpan<byte> packet)
    {
        Statistics.PacketsIn++;
        Statistics.BytesIn += packet.Length;
        if (packet.Length == 0)
        {
            Statistics.Drops.Add(DropReason.Truncated);
            return;
        }
        if (packet[0] >> 4 != 4)
        {
            // IPv6 comes later; until then it is dropped and counted like any protocol we do not speak.
            Statistics.Drops.Add(DropReason.UnsupportedIpVersion);
            return;
        }
        if (!IPv4Packet.TryParse(packet, out IPv4Packet ip, out DropReason reason))
        {
            Statistics.Drops.Add(reason);
            return;
        }
        if (!IsLocalAddress(ip.Destination))
        {
            Statistics.Drops.Add(DropReason.NotForThisHost);
            return;
        }
        switch (ip.Protocol)
        {
            case IpProtocol.Tcp:
                ReceiveTcp(ip.Source, ip.Destination, ip.Payload, packet);
                break;
            case IpProtocol.Icmp:
                ReceiveIcmp(ip.Source, ip.Destination, ip.Payload);
                break;
            default:
                Statistics.Drops.Add(DropReason.UnsupportedProtocol);
                break;
        }
    }

    private void ReceiveTcp(IpAddress source, IpAddress destination, ReadOnlySpan<byte> segment, ReadOnlySpan<byte> packet)
    {
        if (!TcpHeader.TryParse(segment, source, destination, verifyChecksum: true, out TcpHeader tcp, out DropReason reason))
        {
            Statistics.Drops.Add(reason);
            return;
        }
        IncomingSegment seg = default;
        if (!TcpOptions.TryParse(tcp.Options, out seg.Options))
        {
            Statistics.Drops.Add(DropReason.MalformedTcpOption);
            return;
        }
        seg.Seq = new SeqNumber(tcp.SequenceNumber);
        seg.Ack = new SeqNumber(tcp.AcknowledgmentNumber);
        seg.Flags = tcp.Flags;
        seg.Window = tcp.Window;
        seg.Payload = tcp.Payload;
        if ((seg.Flags & TcpFlags.Syn) != 0 && (seg.Flags & (TcpFlags.Fin | TcpFlags.Rst)) != 0)
        {
            // SYN with FIN or RST has no meaning in RFC 9293's state machine; scanners send it.
            Statistics.Drops.Add(DropReason.BadTcpFlags);
            return;
        }
        var key = new FlowKey(destination, tcp.DestinationPort, source, tcp.SourcePort);
        if (TryFindConnection(key, out TcpConnection? connection))
        {
            int owner = connection!.CoreId;
            if (owner != CoreId && !_fromHandoff)
            {
                // base and reuseport: the packet landed on a core that does not own the connection (no steering), so
                // it crosses cores; each such packet is the cross-core traffic Fastsocket's partitioning removes.
                HandOff(owner, packet);
                return;
            }
            connection.OnSegment(ref seg);
            return;
        }
        if (Stack is not null && _design == StackDesign.Fastsocket && !_fromHandoff && (key.LocalPort & 0x8000) != 0)
        {
            // Software Receive Flow Deliver: an active connection's port names its core.
            int owner = key.LocalPort & Stack.PortMask;
            if (owner != CoreId && owner < Stack.CoreCount)
            {
                Statistics.RfdHandoffs++;
                HandOff(owner, packet);
                return;
            }
        }
        if (_timeWait.Count > 0 && _timeWait.TryGet(key, out TimeWaitRecord record))
        {
            if (!ReceiveInTimeWait(key, ref seg, record))
            {
                return;
            }
        }
        Listener? listener = FindListenerFor(key);
        if (listener is not null)
        {
            ReceiveOnListener(listener, key, ref seg);
            return;
        }
        Statistics.Drops.Add(DropReason.TcpNoListener);
        SendResetFor(key, seg);
    }

    private Listener? FindListenerFor(in FlowKey key)
    {
        if (Stack is null)
        {
            return _listeners.TryGetValue(key.LocalPort, out Listener? listener) ? listener : null;
        }
        return Stack.FindListener(key.LocalPort)?.Select(CoreId, key, Statistics);
    }

    private void HandOff(int owner, ReadOnlySpan<byte> packet)
    {
        if (!Stack!.Handoff.TryHandOff(CoreId, owner, packet))
        {
            Statistics.Drops.Add(DropReason.DeviceQueueFull);
        }
    }

    /// <summary>LISTEN state processing (RFC 9293 3.10.7.2).</summary>
    private void ReceiveOnListener(Listener listener, in FlowKey key, ref IncomingSegment seg, SeqNumber? minimumIss = null)
    {
        if ((seg.Flags & TcpFlags.Rst) != 0)
        {
            return;
        }
        if ((seg.Flags & TcpFlags.Ack) != 0)
        {
            SendResetFor(key, seg);
            return;
        }
        if ((seg.Flags & TcpFlags.Syn) == 0)
        {
            return;
        }
        if (!listener.CanTakeSyn)
        {
            Statistics.Drops.Add(DropReason.TcpListenQueueFull);
            return;
        }
        SeqNumber iss = _isn.Next(key, _now);
        if (minimumIss is SeqNumber floor && iss <= floor)
        {
            iss = floor;
        }
        TcpConnection connection = Rent();
        if (!TryAddConnection(key, connection))
        {
            _pool.Push(connection);
            return;
        }
        listener.AddHalfOpen(1);
        connection.OpenPassive(this, key, iss, seg, listener, Config.SendBufferSize, Config.ReceiveBufferSize);
    }

    /// <summary>
    /// A segment for a TIME-WAIT record. Returns true when it is a SYN that may reopen the 4-tuple (RFC 6191),
    /// the record then being gone and the SYN to be handed to the listener.
    /// </summary>
    private bool ReceiveInTimeWait(in FlowKey key, ref IncomingSegment seg, in TimeWaitRecord record)
    {
        int window = record.WindowField << record.WindowShift;
        if ((seg.Flags & TcpFlags.Rst) != 0)
        {
            // RFC 5961 3.2 applied to TIME-WAIT: only an exact match may cut it short; one elsewhere in the window
            // gets a challenge ACK; one outside it is dropped.
            if (seg.Seq == record.RcvNxt)
            {
                _timeWait.Remove(key);
            }
            else if (seg.Seq.IsInRange(record.RcvNxt, record.RcvNxt + Math.Max(window, 1)))
            {
                Statistics.ChallengeAcksSent++;
                SendTimeWaitAck(key, record);
            }
            return false;
        }
        if ((seg.Flags & TcpFlags.Syn) != 0 && (seg.Flags & TcpFlags.Ack) == 0)
        {
            if (TimeWaitTable.AllowsReuse(record, seg.Seq, seg.Options.HasTimestamps, seg.Options.TsVal) &&
                FindListenerFor(key) is Listener listener)
            {
                _timeWait.Remove(key);
                Statistics.TimeWaitReused++;
                // RFC 6191 / Linux: the new incarnation's ISN lies beyond anything the old one sent.
                ReceiveOnListener(listener, key, ref seg, record.SndNxt + 65537);
                return false;
            }
            SendTimeWaitAck(key, record);
            return false;
        }
        if ((seg.Flags & TcpFlags.Fin) != 0)
        {
            // A retransmitted FIN means our last ACK was lost: ACK it again and restart 2MSL (RFC 9293 3.10.7.4).
            _timeWait.Remove(key);
            TimeWaitRecord renewed = record with { ExpiresAt = _now + Config.TimeWaitMicroseconds };
            _timeWait.TryAdd(renewed);
            SendTimeWaitAck(key, record);
            return false;
        }
        // RFC 5961 4.2: a SYN-ACK gets a challenge ACK; RFC 9293 3.10.7.4 first step: an empty segment outside the
        // window gets an ACK; text cannot be taken after the FIN and is answered with the ACK that says so.
        bool acceptableEmpty = window == 0 ? seg.Seq == record.RcvNxt : seg.Seq.IsInRange(record.RcvNxt, record.RcvNxt + window);
        if ((seg.Flags & TcpFlags.Syn) != 0 || seg.Payload.Length > 0 || !acceptableEmpty)
        {
            SendTimeWaitAck(key, record);
        }
        return false;
    }

    private void SendTimeWaitAck(in FlowKey key, in TimeWaitRecord record)
    {
        TcpOptions options = default;
        if (record.HasTimestamps)
        {
            options.HasTimestamps = true;
            options.TsVal = (uint)(_now / 1000) + record.TsOffset;
            options.TsEcr = record.TsRecent;
        }
        SendRaw(key, record.SndNxt.Value, record.RcvNxt.Value, TcpFlags.Ack, record.WindowField, options);
    }

    /// <summary>The reset of RFC 9293 3.10.7.1 for a segment that matches no connection.</summary>
    private void SendResetFor(in FlowKey key, in IncomingSegment seg)
    {
        if ((seg.Flags & TcpFlags.Rst) != 0)
        {
            return;
        }
        TcpOptions none = default;
        if ((seg.Flags & TcpFlags.Ack) != 0)
        {
            SendRaw(key, seg.Ack.Value, 0, TcpFlags.Rst, 0, none);
        }
        else
        {
            SendRaw(key, 0, (seg.Seq + seg.SequenceLength).Value, TcpFlags.Rst | TcpFlags.Ack, 0, none);
        }
        Statistics.ResetsSent++;
    }

    private void SendRaw(in FlowKey key, uint seq, uint ack, TcpFlags flags, ushort window, in TcpOptions options)
    {
        Span<byte> packet = _transmitBuffer;
        int tcpLength = TcpSegmentWriter.Write(packet[IPv4Header.Length..], key.LocalAddress, key.LocalPort,
            key.RemoteAddress, key.RemotePort, seq, ack, flags, window, options, ReadOnlySpan<byte>.Empty);
        IPv4Header.Write(packet, key.LocalAddress, key.RemoteAddress, IpProtocol.Tcp, tcpLength, NextIpIdentification());
        Statistics.SegmentsOut++;
        TransmitPacket(IPv4Header.Length + tcpLength);
    }

    private void ReceiveIcmp(IpAddress source, IpAddress destination, ReadOnlySpan<byte> message)
    {
        if (!IcmpV4Packet.TryParse(message, out IcmpV4Packet icmp, out DropReason reason))
        {
            Statistics.Drops.Add(reason);
            return;
        }
        if (icmp.Type != IcmpV4Packet.TypeEchoRequest || icmp.Code != 0)
        {
            // Errors for our connections are soft errors (RFC 1122 4.2.3.9): TCP's own timers decide.
            return;
        }
        ReadOnlySpan<byte> data = icmp.Body;
        if (IPv4Header.Length + IcmpV4Packet.HeaderLength + data.Length > _transmitBuffer.Length)
        {
            Statistics.Drops.Add(DropReason.BadIcmp);
            return;
        }
        Span<byte> packet = _transmitBuffer;
        int length = IcmpV4Writer.WriteEcho(packet[IPv4Header.Length..], reply: true, icmp.Identifier, icmp.SequenceNumber, data);
        // The reply comes from the address that was pinged, which need not be the main one.
        IPv4Header.Write(packet, destination, source, IpProtocol.Icmp, length, NextIpIdentification());
        Statistics.IcmpEchoReplies++;
        TransmitPacket(IPv4Header.Length + length);
    }

    private ushort NextIpIdentification() => _ipIdentification++;

    // ---------------------------------------------------------------- ITcpHost

    int ITcpHost.MaxTcpSegmentLength(IpAddress local) => _device.Mtu - (local.IsIPv4 ? IPv4Header.Length : 40);

    public void TransmitPacket(int length)
    {
        Statistics.PacketsOut++;
        Statistics.BytesOut += length;
        _device.Transmit(_transmitBuffer.AsSpan(0, length));
    }

    uint ITcpHost.TimestampOffset(in FlowKey key) => _isn.TimestampOffset(key.LocalAddress, key.RemoteAddress);

    void ITcpHost.ScheduleTimer(TimerEntry entry, long deadlineMicroseconds) => _timers.Schedule(entry, deadlineMicroseconds);

    void ITcpHost.CancelTimer(TimerEntry entry) => _timers.Cancel(entry);

    void ITcpHost.RequestFlush(TcpConnection connection)
    {
        if (_flushCount == _flushList.Length)
        {
            Array.Resize(ref _flushList, _flushList.Length * 2);
        }
        _flushList[_flushCount++] = connection;
    }

    void ITcpHost.OnPassiveEstablished(TcpConnection connection)
    {
        if (connection.Listener is not Listener listener)
        {
            return;
        }
        listener.AddHalfOpen(-1);
        Statistics.ConnectionsAccepted++;
        while (listener.IsClosed && listener.Redirect is Listener redirect)
        {
            listener = redirect;
        }
        if (listener.IsClosed)
        {
            connection.Listener = null;
            connection.Abort();
            return;
        }
        listener.Enqueue(connection, Statistics);
        listener.Handler?.OnAcceptable(listener);
    }

    void ITcpHost.OnConnectionFinished(TcpConnection connection, bool enterTimeWait)
    {
        RemoveConnection(connection.Key, connection);
        if (enterTimeWait)
        {
            var record = new TimeWaitRecord
            {
                Key = connection.Key,
                SndNxt = connection.SendNext,
                RcvNxt = connection.ReceiveNext,
                TsRecent = connection.TsRecent,
                HasTimestamps = connection.TimestampsEnabled,
                TsOffset = connection.TimestampOffset,
                WindowField = connection.AdvertisedWindowField,
                WindowShift = (byte)connection.ReceiveWindowShift,
                ExpiresAt = _now + Config.TimeWaitMicroseconds,
            };
            if (_timeWait.TryAdd(record))
            {
                Statistics.TimeWaitEntered++;
            }
            else
            {
                // As Linux with tcp_max_tw_buckets exceeded: the connection closes without TIME-WAIT.
                Statistics.TimeWaitOverflow++;
            }
        }
        if (connection.Listener is ITcpListener listener && !connection.Queued)
        {
            // Died in SYN-RECEIVED: the application never saw it.
            listener.AddHalfOpen(-1);
            connection.Listener = null;
            ((ITcpHost)this).Recycle(connection);
            return;
        }
        if (connection.ApplicationReleased)
        {
            ((ITcpHost)this).Recycle(connection);
        }
    }

    void ITcpHost.Recycle(TcpConnection connection)
    {
        connection.ReleaseBuffers();
        connection.Handler = null;
        connection.UserState = null;
        _pool.Push(connection);
    }

    private TcpConnection Rent() => _pool.TryPop(out TcpConnection? c) ? c : new TcpConnection();
}
