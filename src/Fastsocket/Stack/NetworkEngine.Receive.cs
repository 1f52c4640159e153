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
                ReceiveIcmp(ip.Source, ip.Destination, ip.Payload, packet);
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
        if (Stack is not null && _design == StackDesign.Fastsocket && !_fromHandoff && IsActivePort(key.LocalPort))
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
        SendReply(ResetRules.ForUnknownFlow(key, seg));
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

    /// <summary>A segment for a listener: <see cref="ListenRules"/> decides; a SYN it accepts opens a connection here.</summary>
    private void ReceiveOnListener(Listener listener, in FlowKey key, ref IncomingSegment seg, SeqNumber? minimumIss = null)
    {
        ListenVerdict verdict = ListenRules.OnSegment(key, seg, listener.CanTakeSyn);
        switch (verdict.Action)
        {
            case ListenAction.Reply:
                SendReply(verdict.Reply);
                return;
            case ListenAction.DropQueueFull:
                Statistics.Drops.Add(DropReason.TcpListenQueueFull);
                FastsocketEventSource.Log.ReportListenQueueFull(StackName, CoreId, key, listener.Backlog);
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
        if (!TryAddConnection(key, connection))
        {
            _pool.Push(connection);
            return;
        }
        listener.AddHalfOpen(1);
        connection.OpenPassive(this, key, iss, seg, listener, Config.SendBufferSize, Config.ReceiveBufferSize);
    }

    /// <summary>A segment for a TIME-WAIT record: <see cref="TimeWaitRules"/> decides; the table and the listener lookup are the engine's.</summary>
    private void ReceiveInTimeWait(in FlowKey key, ref IncomingSegment seg, in TimeWaitRecord record)
    {
        TimeWaitVerdict verdict = TimeWaitRules.OnSegment(key, seg, record, _now);
        switch (verdict.Action)
        {
            case TimeWaitAction.Close:
                _timeWait.Remove(key);
                return;
            case TimeWaitAction.ChallengeAck:
                Statistics.ChallengeAcksSent++;
                SendReply(verdict.Reply);
                return;
            case TimeWaitAction.Reopen:
                if (FindListenerFor(key) is Listener listener)
                {
                    _timeWait.Remove(key);
                    Statistics.TimeWaitReused++;
                    ReceiveOnListener(listener, key, ref seg, verdict.IssFloor);
                    return;
                }
                SendReply(verdict.Reply);
                return;
            case TimeWaitAction.Restart:
                _timeWait.Remove(key);
                _timeWait.TryAdd(record with { ExpiresAt = _now + Config.TimeWaitMicroseconds });
                SendReply(verdict.Reply);
                return;
            case TimeWaitAction.Reply:
                SendReply(verdict.Reply);
                return;
            default:
                return;
        }
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
