namespace Fastsocket.Sockets;

public sealed partial class FastSocket
{
    private volatile SocketPoller? _poller;
    private int _pollQueued;

    internal void AttachPoller(SocketPoller? poller)
    {
        _poller = poller;
        if (poller is null)
        {
            return;
        }
        if (_acceptDispatcher is not null)
        {
            _acceptDispatcher.Poller = poller;
        }
    }

    internal bool TryMarkPollQueued() => Interlocked.Exchange(ref _pollQueued, 1) == 0;

    internal void ClearPollQueued() => Volatile.Write(ref _pollQueued, 0);

    /// <summary>Current readiness, as a poller reports it.</summary>
    public PollEvents Readiness()
    {
        if (_disposed)
        {
            return PollEvents.HangUp;
        }
        if (_listenerGroup is not null)
        {
            return HasPendingConnections() ? PollEvents.Readable : PollEvents.None;
        }
        var c = LiveConnection();
        if (c is null)
        {
            return _connection is null && _closeError == System.Net.Sockets.SocketError.Success && !_peerClosed
                ? PollEvents.None
                : PollEvents.Readable | PollEvents.HangUp | (_closeError is System.Net.Sockets.SocketError.Success or System.Net.Sockets.SocketError.Shutdown ? PollEvents.None : PollEvents.Error);
        }
        PollEvents events = PollEvents.None;
        if (c.Readable > 0 || c.ReceiveCompleted || _peerClosed)
        {
            events |= PollEvents.Readable;
        }
        if (c.IsConnected && c.Writable > 0)
        {
            events |= PollEvents.Writable;
        }
        if (c.Finished)
        {
            events |= PollEvents.HangUp;
        }
        return events;
    }

    private bool HasPendingConnections()
    {
        for (int core = 0; core < _stack.CoreCount; core++)
        {
            if (_listenerGroup!.HasQueued(core))
            {
                return true;
            }
        }
        return false;
    }
}
