using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>The receive path: IP and TCP parsing, demultiplexing, and the replies TCP's rules ask for.</summary>
public sealed partial class NetworkEngine
{
    /// <summary>Takes one IP packet from the device (or a handoff ring); malformed input is counted and dropped.</summary>
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
        // RFC 1122 3.2.1.3 / RFC 6890: nothing is taken, or answered, from a source no host sends from (0/8, 127/8 off
        // loopback, multicast, broadcast, 240/4) or from our own address (the land attack): a reply would be reflected
        // at whoever owns it. Then only unicast destinations: a SYN to a broadcast or multicast group is never answered.
        // Each address is read once and classified inline: these checks run for every packet, and on a short
        // connection they were a fifth of the receive path's instructions when they were calls.
        IpAddress source = ip.Source;
        IpAddress destination = ip.Destination;
        SourceVerdict verdict = AddressClassifier.ClassifySource(source, _deviceIsLoopback);
        if (verdict == SourceVerdict.Acceptable && !_deviceIsLoopback && IsLocalAddress(source))
        {
            verdict = SourceVerdict.OwnAddress;
        }
        if (verdict != SourceVerdict.Acceptable)
        {
            Statistics.Drops.Add(AddressClassifier.DropReasonFor(verdict));
            return;
        }
        if (!AddressClassifier.IsUnicastDestination(destination))
        {
            Statistics.Drops.Add(DropReason.NonUnicastDestination);
            return;
        }
        if (!IsLocalAddress(destination))
        {
            Statistics.Drops.Add(DropReason.NotForThisHost);
            return;
        }
        switch (ip.Protocol)
        {
            case IpProtocol.Tcp:
                ReceiveTcp(source, destination, ip.Payload, packet);
                break;
            case IpProtocol.Icmp:
                ReceiveIcmp(source, destination, ip.Payload, packet);
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
        seg.Ecn = (byte)(packet[1] & EcnCodepoint.Mask);
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
        if (_receiveFlowDeliver && !_fromHandoff && IsActivePort(key.LocalPort))
        {
            // Software Receive Flow Deliver: an active connection's port names its core.
            int owner = RfdOwnerElsewhere(key.LocalPort);
            if (owner >= 0)
            {
                Statistics.RfdHandoffs++;
                HandOff(owner, packet);
                return;
            }
        }
        if (_timeWait.Count > 0 && _timeWait.TryGet(key, out TimeWaitRecord record))
        {
            ReceiveInTimeWait(key, ref seg, record);
            return;
        }
        Listener? listener = FindListenerFor(key);
        if (listener is not null)
        {
            ReceiveOnListener(listener, key, ref seg);
            return;
        }
        Statistics.Drops.Add(DropReason.TcpNoListener);
        SendReset(ResetRules.ForUnknownFlow(key, seg));
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

    /// <summary>
    /// A segment for a listener: <see cref="ListenRules"/> decides; a SYN it accepts opens a connection here, one past
    /// the half-open bound gets a stateless cookie SYN-ACK, and an ACK in cookie mode may complete a cookie handshake.
    /// </summary>
    private void ReceiveOnListener(Listener listener, in FlowKey key, ref IncomingSegment seg, SeqNumber? minimumIss = null)
    {
        bool cookies = Config.SynCookies;
        bool cookieMode = cookies && listener.InCookieMode(_now, SynCookieRules.CookieModeMicroseconds);
        ListenVerdict verdict = ListenRules.OnSegment(key, seg, listener.AcceptQueueFull, listener.HalfOpenFull, cookies, cookieMode,
            reopensTimeWait: minimumIss is not null);
        switch (verdict.Action)
        {
            case ListenAction.Reply:
                SendReset(verdict.Reply);
                return;
            case ListenAction.DropQueueFull:
                Statistics.Drops.Add(DropReason.TcpListenQueueFull);
                FastsocketEventSource.Log.ReportListenQueueFull(StackName, CoreId, key, listener.Backlog);
                return;
            case ListenAction.SendCookie:
                SendCookieSynAck(listener, key, seg);
                return;
            case ListenAction.CheckCookie:
                AcceptCookie(listener, key, ref seg);
                return;
            case ListenAction.Open:
                if (!AdmitPassiveOpen())
                {
                    return;
                }
                break;
            default:
                return;
        }
        SeqNumber iss = ListenRules.ChooseIss(_isn.Next(key, _now), minimumIss);
        TcpConnection connection = Rent();
        if (!TryAddConnection(key, connection, active: false))
        {
            _pool.Push(connection);
            return;
        }
        listener.AddHalfOpen(1);
        connection.OpenPassive(this, key, iss, seg, listener, Config.SendBufferSize, Config.ReceiveBufferSize);
    }

    /// <summary>Answers a SYN with a cookie SYN-ACK (RFC 4987 3.6): no connection, no half-open entry. Not rate-limited: it is no bigger than the SYN.</summary>
    private void SendCookieSynAck(Listener listener, in FlowKey key, in IncomingSegment syn)
    {
        int advertisedMss = Math.Min(Config.MaxSegmentSize, ((ITcpHost)this).MaxTcpSegmentLength(key.LocalAddress) - TcpHeader.MinLength);
        if (listener.MaxSegmentSize > 0)
        {
            advertisedMss = Math.Min(advertisedMss, listener.MaxSegmentSize);
        }
        uint timestampNow = (uint)(_now / 1000) + _isn.TimestampOffset(key.LocalAddress, key.RemoteAddress);
        SendReply(SynCookieRules.SynAck(key, syn, _cookies, Config, advertisedMss, _now, timestampNow));
        listener.LastCookieMicroseconds = _now;
        Statistics.SynCookiesSent++;
    }

    /// <summary>
    /// An ACK to a listener in cookie mode: a valid cookie builds the connection (ESTABLISHED, queued for Accept, the
    /// ACK's data delivered); an invalid one is dropped and counted without a RST, as Linux does in cookie mode.
    /// </summary>
    private void AcceptCookie(Listener listener, in FlowKey key, ref IncomingSegment ack)
    {
        if (!SynCookieRules.TryAccept(key, ack, _cookies, Config, _now, out SynCookieParameters parameters))
        {
            Statistics.SynCookiesRejected++;
            Statistics.Drops.Add(DropReason.SynCookieRejected);
            return;
        }
        if (listener.AcceptQueueFull)
        {
            // The client retransmits its ACK (or data) and the cookie is still good then.
            Statistics.Drops.Add(DropReason.TcpListenQueueFull);
            FastsocketEventSource.Log.ReportListenQueueFull(StackName, CoreId, key, listener.Backlog);
            return;
        }
        if (!AdmitPassiveOpen())
        {
            // The connection limit binds cookie connections as it binds the others; the client's retransmission may
            // get in once connections have ended.
            return;
        }
        TcpConnection connection = Rent();
        if (!TryAddConnection(key, connection, active: false))
        {
            _pool.Push(connection);
            return;
        }
        Statistics.SynCookiesValidated++;
        // Counted half-open for the moment the connection is in SYN-RECEIVED; the ACK below moves it to the accept queue.
        listener.AddHalfOpen(1);
        connection.OpenFromCookie(this, key, parameters, ack, listener, Config.SendBufferSize, Config.ReceiveBufferSize);
        connection.OnSegment(ref ack);
    }

    /// <summary>
    /// A segment for a TIME-WAIT record: <see cref="TimeWaitRules"/> decides; the table and the listener lookup are the
    /// engine's. Every ACK a record sends goes through the engine's TIME-WAIT bucket: records are cheap to create in
    /// bulk, and without a bound each would turn a stream of forged segments into a stream of ACKs.
    /// </summary>
    private void ReceiveInTimeWait(in FlowKey key, ref IncomingSegment seg, in TimeWaitRecord record)
    {
        TimeWaitVerdict verdict = TimeWaitRules.OnSegment(key, seg, record, _now);
        switch (verdict.Action)
        {
            case TimeWaitAction.Close:
                _timeWait.Remove(key);
                return;
            case TimeWaitAction.ChallengeAck:
                if (SendTimeWaitAck(verdict.Reply))
                {
                    Statistics.ChallengeAcksSent++;
                }
                return;
            case TimeWaitAction.Reopen:
                if (FindListenerFor(key) is Listener listener)
                {
                    _timeWait.Remove(key);
                    Statistics.TimeWaitReused++;
                    ReceiveOnListener(listener, key, ref seg, verdict.IssFloor);
                    return;
                }
                SendTimeWaitAck(verdict.Reply);
                return;
            case TimeWaitAction.Restart:
                _timeWait.Remove(key);
                _timeWait.TryAdd(record with { ExpiresAt = _now + Config.TimeWaitMicroseconds });
                SendTimeWaitAck(verdict.Reply);
                return;
            case TimeWaitAction.Reply:
                SendTimeWaitAck(verdict.Reply);
                return;
            default:
                return;
        }
    }

    /// <summary>Sends a TIME-WAIT record's ACK if the engine's bucket has a token; false (counted) when it does not.</summary>
    private bool SendTimeWaitAck(in TcpReply reply)
    {
        if (reply.IsNone)
        {
            return false;
        }
        if (!_timeWaitAckBucket.TryTake(_now))
        {
            Statistics.TimeWaitAckRateLimited++;
            return false;
        }
        SendReply(reply);
        return true;
    }

    /// <summary>Sends a reset for a segment that matched no connection, if the engine's RST bucket has a token (counted when not).</summary>
    private void SendReset(in TcpReply reply)
    {
        if (reply.IsNone)
        {
            return;
        }
        if (!_resetBucket.TryTake(_now))
        {
            Statistics.RstRateLimited++;
            return;
        }
        SendReply(reply);
    }

    /// <summary>Transmits a segment a TCP rule asked for (nothing for <see cref="TcpReply.None"/>).</summary>
    private void SendReply(in TcpReply reply)
    {
        if (reply.IsNone)
        {
            return;
        }
        int length = reply.WriteIPv4(_transmitBuffer, NextIpIdentification());
        Statistics.SegmentsOut++;
        if (reply.IsReset)
        {
            Statistics.ResetsSent++;
        }
        TransmitPacket(length);
    }

    private void ReceiveIcmp(IpAddress source, IpAddress destination, ReadOnlySpan<byte> message, ReadOnlySpan<byte> received)
    {
        if (!IcmpV4Packet.TryParse(message, out IcmpV4Packet icmp, out DropReason reason))
        {
            Statistics.Drops.Add(reason);
            return;
        }
        if (icmp.Type != IcmpV4Packet.TypeEchoRequest || icmp.Code != 0)
        {
            ReceiveIcmpError(icmp, received);
            return;
        }
        if (!_icmpBucket.TryTake(_now))
        {
            Statistics.IcmpRateLimited++;
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
}
