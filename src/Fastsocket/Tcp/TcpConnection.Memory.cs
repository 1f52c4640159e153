using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// Memory accounting: what the receive buffer holds is charged to the engine's <see cref="ReceiveMemoryBudget"/>; what
/// the send buffer may take is SO_SNDBUF in payload bytes, or, with <see cref="TcpConfig.LinuxSendBufferAccounting"/>,
/// Linux's charge of socket buffers against it (<see cref="SendMemoryLedger"/>).
/// </summary>
public sealed partial class TcpConnection
{
    // Linux's charge of the send buffer, only while TcpConfig.LinuxSendBufferAccounting applies (null otherwise: an
    // idle connection of the managed API carries no ledger).
    private SendMemoryLedger? _sendLedger;

    /// <summary>
    /// Whether a writer blocked on the send buffer should wake, and poll report POLLOUT: with Linux's accounting,
    /// sk_stream_is_writeable (the free room is at least half the charge); otherwise the free space is at least half of
    /// what is queued, as Linux's rule reads in payload bytes.
    /// </summary>
    public bool IsWriteable
    {
        get
        {
            if (_finRequested)
            {
                return false;
            }
            if (_sendLedger is not null)
            {
                return _sendLedger.IsWriteable(_send.Count, TransmittedBytes, SendSizeGoal);
            }
            int free = _send.Free;
            return free > 0 && free >= _send.Count / 2;
        }
    }

    /// <summary>SO_SNDBUF as the connection applies it (<see cref="SendBufferSize"/>).</summary>
    private int SendLimit
    {
        get => _sendLedger?.Limit ?? _send.Capacity;
        set
        {
            int limit = Math.Max(value, 1);
            // Queued bytes are promised to the peer, so the ring never shrinks below them; Linux's limit may sit below
            // the queued bytes (a writer just waits longer), so the ledger takes it as it is.
            _send.Capacity = Math.Max(limit, _send.Count);
            if (_sendLedger is not null)
            {
                _sendLedger.Limit = limit;
            }
        }
    }

    /// <summary>Bytes a write may queue now.</summary>
    private int SendRoom => _sendLedger?.Admissible(_send.Count, TransmittedBytes, SendSizeGoal) ?? _send.Free;

    /// <summary>Queued bytes sent at least once (SND.MAX less SND.UNA, without the SYN and the FIN).</summary>
    private int TransmittedBytes => Math.Clamp(_snd.Max - _snd.Una - (_snd.Una == _snd.Iss ? 1 : 0), 0, _send.Count);

    /// <summary>Linux's size goal for the buffers a write fills (<see cref="SendMemoryLedger.SizeGoal"/>).</summary>
    private int SendSizeGoal => SendMemoryLedger.SizeGoal(PayloadPerSegment, _snd.MaxWnd);

    /// <summary>Empties the send buffer for a new connection and sizes it (SO_SNDBUF) from the engine's settings.</summary>
    private void ResetSendMemory(ITcpHost host, int sendBuffer)
    {
        ClearSendMemory();
        _send.Pool = host.BufferPool;
        _sendLedger = _config.LinuxSendBufferAccounting ? _sendLedger ?? new SendMemoryLedger() : null;
        SendLimit = sendBuffer;
    }

    /// <summary>Drops what the send buffer holds and returns its memory.</summary>
    private void ClearSendMemory()
    {
        _send.Clear();
        _sendLedger?.Clear();
    }

    /// <summary>Queues as much of <paramref name="data"/> as the send buffer's accounting admits; returns how much.</summary>
    private int QueueForSending(ReadOnlySpan<byte> data)
    {
        if (_sendLedger is null)
        {
            return _send.Append(data);
        }
        int transmitted = TransmittedBytes;
        int goal = SendSizeGoal;
        _sendLedger.RecordTransmitted(transmitted, goal);
        return _send.AppendUpTo(data, _sendLedger.Admissible(_send.Count, transmitted, goal));
    }

    /// <summary>An ACK covered <paramref name="count"/> queued bytes: the send buffer and its accounting let them go.</summary>
    private void ReleaseAcknowledged(int count)
    {
        if (_sendLedger is not null)
        {
            _sendLedger.RecordTransmitted(TransmittedBytes, SendSizeGoal);
            _sendLedger.Release(count);
        }
        _send.Release(count);
    }

    // Bytes of this connection currently charged to the engine's budget.
    private int _receiveCharged;

    /// <summary>Opened by Connect (its local port is an ephemeral or bound port it holds), not accepted from a listener.</summary>
    internal bool OpenedActively => !_passive;

    /// <summary>Bytes this connection holds in its receive buffer (unread plus out-of-order).</summary>
    internal int ReceiveBytesHeld => _receive.Readable + _receive.OutOfOrderBytes;

    /// <summary>Brings the engine's budget up to date with what the receive buffer holds now.</summary>
    private void ChargeReceiveMemory()
    {
        int held = ReceiveBytesHeld;
        int delta = held - _receiveCharged;
        if (delta != 0)
        {
            _receiveCharged = held;
            _receiveMemory.Charge(delta, _statistics);
        }
    }

    /// <summary>Returns everything this connection has charged (its buffer is being emptied).</summary>
    private void UnchargeReceiveMemory()
    {
        if (_receiveCharged != 0 && _host is not null)
        {
            _receiveMemory.Charge(-_receiveCharged, _statistics);
        }
        _receiveCharged = 0;
    }

    /// <summary>
    /// The free receive space the window may offer now: the buffer's free space, or, while the engine is over its
    /// receive memory budget, only what keeps this connection's holding within one segment (so a reading application
    /// still moves). The announced right edge never moves back (<see cref="ComputeWindowField"/>), so under pressure
    /// windows just stop growing and close as data arrives.
    /// </summary>
    private int ReceiveSpace
    {
        get
        {
            int free = _receive.Window;
            if (_receiveMemory.UnderPressure)
            {
                free = Math.Min(free, Math.Max(0, _advertisedMss - ReceiveBytesHeld));
            }
            return free;
        }
    }
}
