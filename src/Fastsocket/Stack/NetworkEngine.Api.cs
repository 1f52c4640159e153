using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>The application API: listen, connect, port checks.</summary>
public sealed partial class NetworkEngine
{
    /// <summary>Starts listening on <paramref name="port"/> (any local address).</summary>
    public Listener Listen(ushort port, int backlog, IListenerHandler? handler = null)
    {
        if (port == 0)
        {
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        if (_listeners.ContainsKey(port) || Stack?.FindListener(port) is not null || (Stack is null && HoldsActivePort(port)))
        {
            // A port an active connection holds is bound (Linux: EADDRINUSE); the stack checks every core itself.
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
        while (listener.TryAccept(null, out TcpConnection? queued))
        {
            queued!.Abort();
            queued.Close();
        }
    }

    /// <summary>
    /// Opens a connection (sends SYN) from <paramref name="localAddress"/> (one of ours; the main address when null).
    /// The handler hears OnConnected when the handshake ends. A positive <paramref name="maxSegmentSize"/> caps the MSS
    /// the SYN announces and the one the connection sends (TCP_MAXSEG set before connect, Linux's user_mss).
    /// </summary>
    public TcpConnection Connect(IpAddress remoteAddress, ushort remotePort, ITcpConnectionHandler? handler, ushort localPort = 0,
        int sendBufferSize = 0, int receiveBufferSize = 0, IpAddress? localAddress = null, int maxSegmentSize = 0)
    {
        IpAddress source = localAddress ?? LocalAddress;
        if (!IsLocalAddress(source))
        {
            throw new SocketException((int)SocketError.AddressNotAvailable);
        }
        Refresh();
        if (AtConnectionLimit())
        {
            // As ENOBUFS from connect(2): no room for another connection on this engine.
            throw new SocketException((int)SocketError.NoBufferSpaceAvailable);
        }
        TcpConnection connection = Rent();
        FlowKey key;
        if (localPort != 0)
        {
            key = new FlowKey(source, localPort, remoteAddress, remotePort);
            if (_timeWait.TryGet(key, out _) || !TryAddConnection(key, connection, active: true))
            {
                _pool.Push(connection);
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
            TakeActivePort(localPort);
        }
        else
        {
            key = AllocateEphemeralFlow(source, remoteAddress, remotePort, connection);
        }
        OpenSocketFile(connection);
        connection.OpenActive(this, key, _isn.Next(key, _now), handler,
            sendBufferSize > 0 ? sendBufferSize : Config.SendBufferSize,
            receiveBufferSize > 0 ? receiveBufferSize : Config.ReceiveBufferSize, maxSegmentSize);
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
        if (_receiveFlowDeliver)
        {
            stride = Stack!.PortMask + 1;
            offset = CoreId;
            first = (first + stride - 1) / stride * stride;
        }
        // Non-negative before dividing: C# division truncates towards zero, so -1 / stride would count one port.
        int count = last - offset - first < 0 ? 0 : (last - offset - first) / stride + 1;
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
                if (TryAddConnection(key, connection, active: true))
                {
                    TakeActivePort(port);
                    _ports.Advance(slot, i);
                    return key;
                }
            }
        }
        _pool.Push(connection);
        throw new SocketException((int)SocketError.AddressNotAvailable);
    }
}
