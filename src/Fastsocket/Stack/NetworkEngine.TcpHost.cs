using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>What the engine provides to its connections (<see cref="ITcpHost"/>): transmit, timers, flushes, lifecycle, pooling.</summary>
public sealed partial class NetworkEngine
{
    int ITcpHost.MaxTcpSegmentLength(IpAddress local) => _device.Mtu - (local.IsIPv4 ? IPv4Header.Length : 40);

    /// <summary>Sends the first <paramref name="length"/> bytes of the transmit buffer on the device.</summary>
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

    void ITcpHost.SendAckAtEndOfTurn(TcpConnection connection)
    {
        if (_endOfTurnAckCount == _endOfTurnAcks.Length)
        {
            Array.Resize(ref _endOfTurnAcks, _endOfTurnAcks.Length * 2);
        }
        _endOfTurnAcks[_endOfTurnAckCount++] = connection;
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
        CloseFileOfFailedConnect(connection);
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
