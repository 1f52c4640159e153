using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>Receive memory accounting: what this connection holds is charged to its engine's <see cref="ReceiveMemoryBudget"/>.</summary>
public sealed partial class TcpConnection
{
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
