using System.Net;
using System.Net.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Sockets;

/// <summary>
/// A TCP socket on Fastsocket.NET, shaped like <see cref="Socket"/>: Bind, Listen, Accept, Connect, Send, Receive,
/// Shutdown, Close, and the usual options, with the same <see cref="SocketException"/> error codes. It is a plain
/// object, not an OS file descriptor (the user-space counterpart of Fastsocket's VFS bypass).
/// A connected socket lives on the core that owns its connection: calls made on that core's thread run at once;
/// calls from anywhere else are carried to that core, and their awaits resume where they were made.
/// </summary>
public sealed partial class FastSocket : IDisposable, ITcpConnectionHandler
{
    private readonly FastsocketStack _stack;
    private EngineCore _core;
    private TcpConnection? _connection;
    private int _generation;
    private ListenerGroup? _listenerGroup;
    private AcceptDispatcher? _acceptDispatcher;
    private CoreOperation<int>? _receiveOp;
    private CoreOperation<int>? _sendOp;
    private CoreOperation<int>? _connectOp;
    private Memory<byte> _receiveBuffer;
    private ReadOnlyMemory<byte> _sendBuffer;
    private int _sendDone;
    private SocketError _closeError;
    private bool _peerClosed;
    private bool _disposed;
    private bool _disconnectedForGood;
    private bool _noDelay;
    private bool _keepAlive;
    private int _sendBufferSize;
    private int _receiveBufferSize;
    private IPEndPoint? _boundEndPoint;
    private IPEndPoint? _remoteEndPoint;
    private IPEndPoint? _localEndPoint;
    private LingerOption? _lingerState;
    private bool _attached;
    private FlowKey _key;
    private IpAddress _connectRemote;
    private ushort _connectRemotePort;
    private ushort _connectLocalPort;
    private IpAddress? _boundAddress;

    /// <summary>Creates an unconnected socket on <paramref name="stack"/> (as new Socket(Stream, Tcp)).</summary>
    public FastSocket(FastsocketStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        _stack = stack;
        _core = stack.NextCore();
        _sendBufferSize = stack.Options.Tcp.SendBufferSize;
        _receiveBufferSize = stack.Options.Tcp.ReceiveBufferSize;
        _noDelay = stack.Options.Tcp.NoDelay;
    }

    private FastSocket(FastsocketStack stack, TcpConnection accepted)
        : this(stack)
    {
        AttachConnection(accepted);
    }

    /// <summary>The stack the socket belongs to; an accepted socket shares its listener's stack.</summary>
    public FastsocketStack Stack => _stack;

    /// <summary>The core this socket's connection lives on.</summary>
    public int CoreId => _core.CoreId;

    /// <summary>Always <see cref="System.Net.Sockets.AddressFamily.InterNetwork"/>: the stack speaks IPv4 only for now.</summary>
    public AddressFamily AddressFamily => AddressFamily.InterNetwork;

    /// <summary>Always <see cref="System.Net.Sockets.SocketType.Stream"/>.</summary>
    public SocketType SocketType => SocketType.Stream;

    /// <summary>Always <see cref="System.Net.Sockets.ProtocolType.Tcp"/>.</summary>
    public ProtocolType ProtocolType => ProtocolType.Tcp;

    /// <summary>True after <see cref="Listen"/> succeeded (and still after <see cref="Dispose"/>).</summary>
    public bool IsListening => _listenerGroup is not null;

    /// <summary>
    /// True from the end of the handshake until the connection is finished (closed both ways, reset, timed out or
    /// aborted). Unlike <see cref="Socket.Connected"/>, which reflects the last operation, it follows the TCP state, so it
    /// turns false by itself when the peer resets. Read from another thread it may lag the owning core.
    /// </summary>
    public bool Connected => _connection is not null && !_connection.Finished && _connection.IsSynchronized;

    // The end points are built on first use: most servers never ask, and each costs two objects per connection.
    /// <summary>
    /// The local address and port: the actual 4-tuple's after connect or accept, else what <see cref="Bind"/> chose
    /// (with <see cref="IPAddress.Any"/> replaced by the stack's address), else null. An <see cref="IPEndPoint"/> built on
    /// first read.
    /// </summary>
    public EndPoint? LocalEndPoint
    {
        get
        {
            if (_localEndPoint is null && _attached)
            {
                _localEndPoint = new IPEndPoint(_key.LocalAddress.ToIPAddress(), _key.LocalPort);
            }
            return _localEndPoint ?? _boundEndPoint;
        }
    }

    /// <summary>The peer's address and port once a connection is attached (connect started, or accepted), else null; built on first read.</summary>
    public EndPoint? RemoteEndPoint
    {
        get
        {
            if (_remoteEndPoint is null && _attached)
            {
                _remoteEndPoint = new IPEndPoint(_key.RemoteAddress.ToIPAddress(), _key.RemotePort);
            }
            return _remoteEndPoint;
        }
    }

    /// <summary>Bytes readable without waiting (read on the owning core; approximate from elsewhere).</summary>
    public int Available => _connection?.Readable ?? 0;

    /// <summary>When false, operations that would wait fail with <see cref="SocketError.WouldBlock"/> instead.</summary>
    public bool Blocking { get; set; } = true;

    /// <summary>
    /// TCP_NODELAY: true disables Nagle's algorithm (RFC 896). Defaults to the stack's TCP option. Setting it on a
    /// connected socket is applied on the owning core, asynchronously when set from another thread.
    /// </summary>
    public bool NoDelay
    {
        get => _noDelay;
        set
        {
            _noDelay = value;
            if (_connection is not null)
            {
                OnCore(value ? static c => c.NoDelay = true : static c => c.NoDelay = false);
            }
        }
    }

    /// <summary>
    /// SO_KEEPALIVE: probe an idle connection and reset it when the peer stops answering. Default false. Timing comes from
    /// the stack's TCP settings (Linux's defaults: 2 h idle, 75 s between probes, 9 probes), not per socket.
    /// </summary>
    public bool KeepAlive
    {
        get => _keepAlive;
        set
        {
            _keepAlive = value;
            if (_connection is not null)
            {
                OnCore(value ? static c => c.KeepAlive = true : static c => c.KeepAlive = false);
            }
        }
    }

    /// <summary>SO_REUSEADDR: accepted for compatibility. A listening port here never conflicts with TIME-WAIT records, so it changes nothing.</summary>
    public bool ReuseAddress { get; set; }

    /// <summary>SO_LINGER. Enabled with a zero timeout, Close resets the connection (RST) instead of a graceful FIN.</summary>
    public LingerOption LingerState
    {
        // Made on first use: LingerOption is mutable, so no instance can be shared, and few sockets ever touch it.
        get => _lingerState ??= new LingerOption(false, 0);
        set => _lingerState = value;
    }

    /// <summary>
    /// SO_SNDBUF in bytes: how much unacknowledged and unsent data the connection holds before writes wait. Defaults to the
    /// stack's TCP option. On a connected socket it takes effect on the owning core and never shrinks below the bytes
    /// already in flight.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to zero or a negative value.</exception>
    public int SendBufferSize
    {
        get => _sendBufferSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _sendBufferSize = value;
            if (_connection is not null)
            {
                ApplySendBufferSize(value);
            }
        }
    }

    // Apart from the setter so that the closure is only made for a connected socket (C# makes it on entry to the method).
    private void ApplySendBufferSize(int value) => OnCore(c => c.SendBufferCapacity = Math.Max(value, c.Unacknowledged));

    /// <summary>SO_RCVBUF. Takes effect for connections opened after it is set, as on Linux where it sizes the window scale.</summary>
    public int ReceiveBufferSize
    {
        get => _receiveBufferSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _receiveBufferSize = value;
        }
    }

    // ---------------------------------------------------------------- bind, listen, accept

    /// <summary>
    /// Chooses the local address and port, as <see cref="Socket.Bind"/>. <see cref="IPAddress.Any"/> means the stack's
    /// main address. Port 0 leaves the port to <see cref="ConnectAsync"/> (an ephemeral one); <see cref="Listen"/> needs a
    /// real port, since this stack does not autobind.
    /// </summary>
    /// <param name="localEndPoint">An <see cref="IPEndPoint"/> with one of the stack's addresses.</param>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.AddressFamilyNotSupported"/> for an end point that is not an <see cref="IPEndPoint"/>;
    /// <see cref="SocketError.InvalidArgument"/> when already bound or connected; <see cref="SocketError.AddressNotAvailable"/>
    /// for an address that is not the stack's; <see cref="SocketError.AddressAlreadyInUse"/> when the port has a listener.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    public void Bind(EndPoint localEndPoint)
    {
        ThrowIfDisposed();
        if (localEndPoint is not IPEndPoint ip)
        {
            throw new SocketException((int)SocketError.AddressFamilyNotSupported);
        }
        if (_boundEndPoint is not null || _connection is not null)
        {
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        IpAddress local = ip.Address.Equals(IPAddress.Any) ? _stack.LocalAddress : IpAddress.FromIPAddress(ip.Address);
        if (!_stack.IsLocalAddress(local))
        {
            throw new SocketException((int)SocketError.AddressNotAvailable);
        }
        if (ip.Port != 0 && _stack.FindListener((ushort)ip.Port) is not null)
        {
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        }
        _boundAddress = local;
        _boundEndPoint = new IPEndPoint(local.ToIPAddress(), ip.Port);
    }

    /// <summary>
    /// Starts listening on the bound port, as <see cref="Socket.Listen(int)"/>: one global listener plus a local listener
    /// per core that calls <see cref="AcceptAsync(CancellationToken)"/> (Fastsocket's partitioned listen table). A second
    /// call does nothing.
    /// </summary>
    /// <param name="backlog">Connections each listener queues for accept; half-open ones may take half as many again.</param>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.IsConnected"/> on a connected socket; <see cref="SocketError.InvalidArgument"/> when not
    /// bound to a non-zero port (Linux would pick an ephemeral port here; we do not);
    /// <see cref="SocketError.AddressAlreadyInUse"/> when another socket listens on the port.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    public void Listen(int backlog = 512)
    {
        ThrowIfDisposed();
        if (_connection is not null)
        {
            throw new SocketException((int)SocketError.IsConnected);
        }
        if (_listenerGroup is not null)
        {
            return;
        }
        if (_boundEndPoint is null || _boundEndPoint.Port == 0)
        {
            // Unlike Linux, which autobinds an unbound listener to an ephemeral port, a listener here needs an explicit port.
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        _listenerGroup = _stack.Listen((ushort)_boundEndPoint.Port, backlog);
        _acceptDispatcher = new AcceptDispatcher(this, _listenerGroup);
        _localEndPoint = _boundEndPoint;
    }

    /// <summary>
    /// Accepts a connection. Called on an engine core, it opens that core's local listener (Fastsocket's local listen
    /// table) and returns connections that arrived on this core first, then ones from the global queue.
    /// </summary>
    public ValueTask<FastSocket> AcceptAsync(CancellationToken cancellationToken = default) => AcceptAsync(null, cancellationToken);

    /// <summary>
    /// Accepts a connection into <paramref name="acceptSocket"/> when one is given (as Socket.AcceptAsync(Socket?,
    /// CancellationToken)): a socket of this stack that was never connected, or one released with
    /// <see cref="Disconnect(bool)"/>(true). A server that keeps its sockets this way allocates nothing per connection.
    /// </summary>
    public ValueTask<FastSocket> AcceptAsync(FastSocket? acceptSocket, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (_acceptDispatcher is null)
        {
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        acceptSocket?.ThrowIfNotReusable(_stack);
        return _acceptDispatcher.AcceptAsync(_stack.NextCore(), acceptSocket, cancellationToken);
    }

    /// <summary>
    /// Accepts a connection synchronously, as <see cref="Socket.Accept"/>. From an ordinary thread with
    /// <see cref="Blocking"/> set it waits; on an engine thread, or when not blocking, it only takes a connection already
    /// queued, because waiting there would stall the engine that must complete the handshake.
    /// </summary>
    /// <returns>A new connected socket that lives on the core that owns its connection.</returns>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.InvalidArgument"/> when not listening; <see cref="SocketError.WouldBlock"/> when nothing is
    /// queued and the call may not wait; <see cref="SocketError.OperationAborted"/> when the listener is closed while waiting.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    public FastSocket Accept()
    {
        ThrowIfDisposed();
        if (_acceptDispatcher is null)
        {
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        EngineCore core = _stack.NextCore();
        if (core.IsCurrentThread || !Blocking)
        {
            if (_acceptDispatcher.TryAcceptNow(core, null, out FastSocket? accepted))
            {
                return accepted!;
            }
            throw new SocketException((int)SocketError.WouldBlock);
        }
        return AcceptAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Stops accepting on the calling core only: later connections arriving there go to the global listener, and any
    /// already queued on this core move to it, so none is lost (the Fastsocket fallback).
    /// </summary>
    public void StopAcceptingOnCurrentCore()
    {
        if (_acceptDispatcher is null)
        {
            return;
        }
        EngineCore? core = EngineCore.Current;
        if (core is null || !ReferenceEquals(core.Engine.Stack, _stack))
        {
            throw new InvalidOperationException("call this on an engine core of the socket's stack");
        }
        _acceptDispatcher.StopCore(core);
    }

    internal static FastSocket FromAccepted(FastsocketStack stack, TcpConnection connection) => new(stack, connection);

    /// <summary>On the connection's core: this released socket now carries an accepted connection.</summary>
    internal void AttachAccepted(TcpConnection connection) => AttachConnection(connection);

    private void ThrowIfNotReusable(FastsocketStack stack)
    {
        ThrowIfDisposed();
        if (!ReferenceEquals(stack, _stack) || _connection is not null || _attached || _listenerGroup is not null)
        {
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        ThrowIfDisconnectedForGood();
    }

    private void ThrowIfDisconnectedForGood()
    {
        if (_disconnectedForGood)
        {
            throw new InvalidOperationException("This socket was disconnected without reuseSocket and cannot be used again.");
        }
    }

    // ---------------------------------------------------------------- connect

    /// <summary>
    /// Opens a connection (sends SYN) and completes when the handshake ends, as <see cref="Socket.ConnectAsync(EndPoint, CancellationToken)"/>.
    /// Called on an engine core of this stack, the connection belongs to that core and gets a local port that maps to it
    /// (Receive Flow Deliver); from elsewhere it goes to the core chosen when the socket was created.
    /// </summary>
    /// <param name="remoteEndPoint">The peer, an <see cref="IPEndPoint"/>.</param>
    /// <param name="cancellationToken">Cancelling aborts the connection attempt.</param>
    /// <exception cref="SocketException">
    /// Thrown at once: <see cref="SocketError.AddressFamilyNotSupported"/> for an end point that is not an
    /// <see cref="IPEndPoint"/>; <see cref="SocketError.IsConnected"/> when already connected;
    /// <see cref="SocketError.InvalidArgument"/> on a listening socket. Through the task:
    /// <see cref="SocketError.AddressAlreadyInUse"/> when the bound port is taken towards that peer,
    /// <see cref="SocketError.AddressNotAvailable"/> when no ephemeral port is free, <see cref="SocketError.ConnectionRefused"/> on a RST, <see cref="SocketError.TimedOut"/> when SYNs go unanswered.
    /// </exception>
    /// <exception cref="InvalidOperationException">The socket was disconnected without reuse.</exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    public ValueTask ConnectAsync(EndPoint remoteEndPoint, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (remoteEndPoint is not IPEndPoint ip)
        {
            throw new SocketException((int)SocketError.AddressFamilyNotSupported);
        }
        if (_connection is not null || _attached)
        {
            throw new SocketException((int)SocketError.IsConnected);
        }
        if (_listenerGroup is not null)
        {
            throw new SocketException((int)SocketError.InvalidArgument);
        }
        ThrowIfDisconnectedForGood();
        // Connect on the calling core when it is one of ours (the connection then belongs to it, and RFD picks a
        // port that maps to it); from elsewhere, on the core chosen when the socket was created.
        EngineCore? current = EngineCore.Current;
        if (current is not null && ReferenceEquals(current.Engine.Stack, _stack))
        {
            _core = current;
        }
        CoreOperation<int> op = _connectOp ??= CoreOperation<int>.Rent(_core);
        ValueTask task = op.BeginVoid();
        _connectRemote = IpAddress.FromIPAddress(ip.Address);
        _connectRemotePort = (ushort)ip.Port;
        _connectLocalPort = (ushort)(_boundEndPoint?.Port ?? 0);
        _core.Execute(static s => ((FastSocket)s!).StartConnect(), this);
        op.RegisterCancellation(cancellationToken, static s => ((FastSocket)s!)._connection?.Abort(), this);
        return task;
    }

    /// <summary>Connects and waits for the handshake, as <see cref="Socket.Connect(EndPoint)"/>; see <see cref="ConnectAsync"/> for the errors.</summary>
    /// <exception cref="SocketException"><see cref="SocketError.WouldBlock"/> when called on an engine thread of this stack, where waiting would stall the handshake.</exception>
    public void Connect(EndPoint remoteEndPoint)
    {
        if (EngineCore.Current is not null && ReferenceEquals(EngineCore.Current.Engine.Stack, _stack))
        {
            // Blocking on an engine thread would stop the very loop that completes the handshake.
            throw new SocketException((int)SocketError.WouldBlock);
        }
        ConnectAsync(remoteEndPoint).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Connects to <paramref name="address"/>:<paramref name="port"/>; as <see cref="Connect(EndPoint)"/>.</summary>
    public void Connect(IPAddress address, int port) => Connect(new IPEndPoint(address, port));

    private void StartConnect()
    {
        try
        {
            TcpConnection connection = _core.Engine.Connect(_connectRemote, _connectRemotePort, this, _connectLocalPort,
                _sendBufferSize, _receiveBufferSize, _boundAddress);
            AttachConnection(connection);
        }
        catch (SocketException e)
        {
            _connectOp!.SetException(e);
        }
    }

    private void AttachConnection(TcpConnection connection)
    {
        _connection = connection;
        _generation = connection.Generation;
        _core = _stack.Core(connection.CoreId);
        connection.Handler = this;
        connection.UserState = this;
        connection.NoDelay = _noDelay;
        if (_keepAlive)
        {
            connection.KeepAlive = true;
        }
        _key = connection.Key;
        _attached = true;
    }

    private void ThrowIfNotAttached()
    {
        if (!_attached)
        {
            throw new SocketException((int)SocketError.NotConnected);
        }
    }

    // ---------------------------------------------------------------- receive

    /// <summary>Receives into <paramref name="buffer"/>: at least one byte, or 0 once the peer has closed its side.</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfNotAttached();
        if (_core.IsCurrentThread)
        {
            // Fast path on the owning core: data already here completes synchronously, with no allocation.
            if (TryReceiveNow(buffer.Span, out int n, out SocketError error))
            {
                return error == SocketError.Success ? new ValueTask<int>(n) : ValueTask.FromException<int>(new SocketException((int)error));
            }
            if (!Blocking)
            {
                return ValueTask.FromException<int>(new SocketException((int)SocketError.WouldBlock));
            }
            _receiveBuffer = buffer;
            return BeginWaiting(ref _receiveOp, cancellationToken);
        }
        _receiveBuffer = buffer;
        ValueTask<int> task = BeginWaiting(ref _receiveOp, cancellationToken);
        _core.Post(static s => ((FastSocket)s!).ContinueReceive(), this);
        return task;
    }

    /// <summary>As <see cref="ReceiveAsync(Memory{byte}, CancellationToken)"/>; <paramref name="socketFlags"/> is ignored (no MSG_PEEK or OOB data).</summary>
    public ValueTask<int> ReceiveAsync(ArraySegment<byte> buffer, SocketFlags socketFlags) => ReceiveAsync(buffer.AsMemory());

    /// <summary>
    /// Receives at least one byte, or returns 0 once the peer has closed its side, as <see cref="Socket.Receive(Span{byte})"/>.
    /// On the owning core, or when not <see cref="Blocking"/>, it takes only what is already there; otherwise it waits.
    /// From another thread it goes through a temporary array (allocates); prefer ReceiveAsync or the owning core.
    /// </summary>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.NotConnected"/> before a connection is attached; <see cref="SocketError.WouldBlock"/> when
    /// nothing is there and the call may not wait; the connection's error (for example
    /// <see cref="SocketError.ConnectionReset"/> or <see cref="SocketError.TimedOut"/>) once it failed.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    public int Receive(Span<byte> buffer)
    {
        ThrowIfDisposed();
        ThrowIfNotAttached();
        if (_core.IsCurrentThread || !Blocking)
        {
            if (!_core.IsCurrentThread)
            {
                byte[] copy = new byte[buffer.Length];
                int got = _core.InvokeAsync(() => TryReceiveNow(copy, out int m, out SocketError e) ? (e == SocketError.Success ? m : -(int)e) : -(int)SocketError.WouldBlock)
                    .GetAwaiter().GetResult();
                if (got < 0)
                {
                    throw new SocketException(-got);
                }
                copy.AsSpan(0, got).CopyTo(buffer);
                return got;
            }
            if (TryReceiveNow(buffer, out int n, out SocketError error))
            {
                return error == SocketError.Success ? n : throw new SocketException((int)error);
            }
            throw new SocketException((int)SocketError.WouldBlock);
        }
        byte[] array = new byte[buffer.Length];
        int received = ReceiveAsync(array).AsTask().GetAwaiter().GetResult();
        array.AsSpan(0, received).CopyTo(buffer);
        return received;
    }

    /// <summary>As <see cref="Receive(Span{byte})"/> into the whole array.</summary>
    public int Receive(byte[] buffer) => Receive(buffer.AsSpan());

    /// <summary>As <see cref="Receive(Span{byte})"/> into <paramref name="size"/> bytes at <paramref name="offset"/>; <paramref name="socketFlags"/> is ignored.</summary>
    public int Receive(byte[] buffer, int offset, int size, SocketFlags socketFlags) => Receive(buffer.AsSpan(offset, size));

    /// <summary>On the owning core: reads what is there. False means "would wait".</summary>
    private bool TryReceiveNow(Span<byte> destination, out int received, out SocketError error)
    {
        error = SocketError.Success;
        received = 0;
        TcpConnection? c = LiveConnection();
        if (c is null)
        {
            error = _closeError is SocketError.Success or SocketError.Shutdown ? SocketError.Success : _closeError;
            if (_closeError == SocketError.Success && !_peerClosed && _connection is null && !_disposed)
            {
                error = SocketError.NotConnected;
            }
            return true;
        }
        if (destination.IsEmpty)
        {
            return true;
        }
        int n = c.Read(destination);
        if (n > 0)
        {
            received = n;
            return true;
        }
        if (c.ReceiveCompleted || _peerClosed)
        {
            return true;
        }
        if (c.Finished)
        {
            error = c.Error == SocketError.Success ? SocketError.Success : c.Error;
            return true;
        }
        return false;
    }

    private void ContinueReceive()
    {
        CoreOperation<int>? op = _receiveOp;
        if (op is null || !op.Pending)
        {
            return;
        }
        if (TryReceiveNow(_receiveBuffer.Span, out int n, out SocketError error))
        {
            _receiveBuffer = default;
            if (error == SocketError.Success)
            {
                op.SetResult(n);
            }
            else
            {
                op.SetException(new SocketException((int)error));
            }
        }
    }

    // ---------------------------------------------------------------- send

    /// <summary>Sends all of <paramref name="buffer"/> (queued in the send buffer), waiting for room as needed.</summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfNotAttached();
        if (_core.IsCurrentThread)
        {
            int n = TryWriteNow(buffer.Span, out SocketError error);
            if (error != SocketError.Success)
            {
                return ValueTask.FromException<int>(new SocketException((int)error));
            }
            if (n == buffer.Length)
            {
                return new ValueTask<int>(n);
            }
            if (!Blocking)
            {
                return new ValueTask<int>(n);
            }
            _sendBuffer = buffer;
            _sendDone = n;
            return BeginWaiting(ref _sendOp, cancellationToken);
        }
        _sendBuffer = buffer;
        _sendDone = 0;
        ValueTask<int> task = BeginWaiting(ref _sendOp, cancellationToken);
        _core.Post(static s => ((FastSocket)s!).ContinueSend(), this);
        return task;
    }

    /// <summary>Arms the socket's operation of one kind (taken from the core's pool on first need) for a wait.</summary>
    private ValueTask<int> BeginWaiting(ref CoreOperation<int>? slot, CancellationToken cancellationToken)
    {
        CoreOperation<int> op = slot ??= CoreOperation<int>.Rent(_core);
        ValueTask<int> pending = op.Begin();
        op.RegisterCancellation(cancellationToken);
        return pending;
    }

    /// <summary>As <see cref="SendAsync(ReadOnlyMemory{byte}, CancellationToken)"/>; <paramref name="socketFlags"/> is ignored.</summary>
    public ValueTask<int> SendAsync(ArraySegment<byte> buffer, SocketFlags socketFlags) => SendAsync(buffer.AsMemory());

    /// <summary>
    /// Queues bytes for sending. On the owning core it never waits and returns how many fit in the send buffer, possibly
    /// fewer than given (unlike a blocking <see cref="Socket.Send(ReadOnlySpan{byte})"/>, which sends all). From another
    /// thread it copies the data and waits until all of it is queued, whatever <see cref="Blocking"/> says.
    /// </summary>
    /// <returns>Bytes queued.</returns>
    /// <exception cref="SocketException">
    /// <see cref="SocketError.NotConnected"/> before a connection is attached; <see cref="SocketError.WouldBlock"/> on the
    /// owning core when nothing fits; <see cref="SocketError.Shutdown"/> after the send side was shut down or the connection
    /// closed; the connection's error (for example <see cref="SocketError.ConnectionReset"/>) once it failed.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    public int Send(ReadOnlySpan<byte> buffer)
    {
        ThrowIfDisposed();
        ThrowIfNotAttached();
        if (_core.IsCurrentThread)
        {
            int n = TryWriteNow(buffer, out SocketError error);
            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }
            if (n == 0 && buffer.Length > 0)
            {
                throw new SocketException((int)SocketError.WouldBlock);
            }
            return n;
        }
        return SendAsync(buffer.ToArray()).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>As <see cref="Send(ReadOnlySpan{byte})"/> with the whole array.</summary>
    public int Send(byte[] buffer) => Send(buffer.AsSpan());

    /// <summary>As <see cref="Send(ReadOnlySpan{byte})"/> with <paramref name="size"/> bytes at <paramref name="offset"/>; <paramref name="socketFlags"/> is ignored.</summary>
    public int Send(byte[] buffer, int offset, int size, SocketFlags socketFlags) => Send(buffer.AsSpan(offset, size));

    private int TryWriteNow(ReadOnlySpan<byte> data, out SocketError error)
    {
        error = SocketError.Success;
        TcpConnection? c = LiveConnection();
        if (c is null)
        {
            error = _closeError is SocketError.Success ? SocketError.Shutdown : _closeError;
            return 0;
        }
        if (data.IsEmpty)
        {
            return 0;
        }
        int n = c.Write(data);
        if (n < 0)
        {
            error = c.Error is SocketError.Success ? SocketError.Shutdown : c.Error;
            return 0;
        }
        return n;
    }

    private void ContinueSend()
    {
        CoreOperation<int>? op = _sendOp;
        if (op is null || !op.Pending)
        {
            return;
        }
        int n = TryWriteNow(_sendBuffer.Span[_sendDone..], out SocketError error);
        if (error != SocketError.Success)
        {
            _sendBuffer = default;
            op.SetException(new SocketException((int)error));
            return;
        }
        _sendDone += n;
        if (_sendDone == _sendBuffer.Length)
        {
            int total = _sendDone;
            _sendBuffer = default;
            op.SetResult(total);
        }
    }

    // ---------------------------------------------------------------- shutdown, close

    /// <summary>
    /// Shuts down the send side (FIN after the queued data, RFC 9293 3.6) for <see cref="SocketShutdown.Send"/> or
    /// <see cref="SocketShutdown.Both"/>, as <see cref="Socket.Shutdown"/>. <see cref="SocketShutdown.Receive"/> changes
    /// nothing: data keeps arriving and can still be read. Runs on the owning core, asynchronously from elsewhere.
    /// </summary>
    /// <exception cref="SocketException"><see cref="SocketError.NotConnected"/> on a socket that has no connection.</exception>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    public void Shutdown(SocketShutdown how)
    {
        ThrowIfDisposed();
        if (_connection is null)
        {
            throw new SocketException((int)SocketError.NotConnected);
        }
        if (how is SocketShutdown.Send or SocketShutdown.Both)
        {
            OnCore(static c => c.Shutdown());
        }
    }

    /// <summary>
    /// Closes the connection as <see cref="Dispose"/> does (FIN, or RST under a zero linger) but keeps the object:
    /// with <paramref name="reuseSocket"/> it may then connect again or be passed to
    /// <see cref="AcceptAsync(FastSocket?, CancellationToken)"/>, as with Socket.Disconnect. Options set on it stay.
    /// </summary>
    public void Disconnect(bool reuseSocket)
    {
        ThrowIfDisposed();
        ThrowIfNotAttached();
        if (_core.IsCurrentThread)
        {
            DisconnectOnCore(reuseSocket);
            return;
        }
        if (EngineCore.Current is not null)
        {
            // Waiting here for another core could deadlock two engines waiting for each other; DisconnectAsync does not wait.
            throw new SocketException((int)SocketError.WouldBlock);
        }
        DisconnectFromElsewhere(reuseSocket).GetAwaiter().GetResult();
    }

    // Apart from the callers so that the closure is only made off the core (C# makes it on entry to the method).
    private Task<bool> DisconnectFromElsewhere(bool reuseSocket) => _core.InvokeAsync(() =>
    {
        DisconnectOnCore(reuseSocket);
        return true;
    });

    /// <summary>As <see cref="Disconnect(bool)"/>; completes at once on the socket's core.</summary>
    public ValueTask DisconnectAsync(bool reuseSocket, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfNotAttached();
        if (_core.IsCurrentThread)
        {
            DisconnectOnCore(reuseSocket);
            return ValueTask.CompletedTask;
        }
        return new ValueTask(DisconnectFromElsewhere(reuseSocket));
    }

    private void DisconnectOnCore(bool reuseSocket)
    {
        CloseOnCore();
        _attached = false;
        _key = default;
        _localEndPoint = null;
        _remoteEndPoint = null;
        _closeError = SocketError.Success;
        _peerClosed = false;
        _receiveBuffer = default;
        _sendBuffer = default;
        _sendDone = 0;
        _disconnectedForGood = !reuseSocket;
    }

    /// <summary>Same as <see cref="Dispose"/>.</summary>
    public void Close() => Dispose();

    /// <summary>Same as <see cref="Dispose"/>: <paramref name="timeout"/> is ignored; the close never waits for unsent data (use <see cref="LingerState"/> for an abortive close).</summary>
    public void Close(int timeout) => Dispose();

    /// <summary>
    /// Closes the socket without waiting. A connection gets a graceful close (FIN after queued data, which TCP keeps sending
    /// in the background) or, with <see cref="LingerState"/> enabled at 0 seconds, a RST. Operations still waiting fail
    /// with <see cref="SocketError.OperationAborted"/>. A listener stops listening and fails waiting accepts the same way.
    /// Any thread; idempotent.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_listenerGroup is not null)
        {
            _stack.CloseListener(_listenerGroup);
            _acceptDispatcher?.Fail(new SocketException((int)SocketError.OperationAborted));
            return;
        }
        _core.Execute(static s => ((FastSocket)s!).CloseOnCore(), this);
    }

    private void CloseOnCore()
    {
        TcpConnection? c = LiveConnection();
        _connection = null;
        if (c is not null)
        {
            c.Handler = null;
            c.UserState = null;
            if (_lingerState is { Enabled: true, LingerTime: 0 })
            {
                c.Abort();
            }
            c.Close();
        }
        _receiveOp = AbortOrReturn(_receiveOp);
        _sendOp = AbortOrReturn(_sendOp);
        _connectOp = AbortOrReturn(_connectOp);
    }

    /// <summary>Fails an operation still waiting; gives an idle one back to the core's pool.</summary>
    private static CoreOperation<int>? AbortOrReturn(CoreOperation<int>? op)
    {
        if (op is null)
        {
            return null;
        }
        if (op.Pending)
        {
            op.SetException(new SocketException((int)SocketError.OperationAborted));
            return op;
        }
        op.Return();
        return null;
    }

    // ---------------------------------------------------------------- engine callbacks (owning core)

    void ITcpConnectionHandler.OnConnected(TcpConnection connection, SocketError error)
    {
        if (error == SocketError.Success)
        {
            _connectOp?.SetResult(0);
        }
        else
        {
            _closeError = error;
            _connection = null;
            _connectOp?.SetException(new SocketException((int)error));
        }
    }

    void ITcpConnectionHandler.OnReadable(TcpConnection connection)
    {
        if (connection.ReceiveCompleted)
        {
            _peerClosed = true;
        }
        if (_receiveOp is { Pending: true })
        {
            // Completing from the work queue, not from inside TCP input, keeps application code out of the packet path.
            _core.Post(static s => ((FastSocket)s!).ContinueReceive(), this);
        }
        _poller?.Notify(this);
    }

    void ITcpConnectionHandler.OnWritable(TcpConnection connection)
    {
        if (_sendOp is { Pending: true })
        {
            _core.Post(static s => ((FastSocket)s!).ContinueSend(), this);
        }
        _poller?.Notify(this);
    }

    void ITcpConnectionHandler.OnClosed(TcpConnection connection, SocketError error)
    {
        _closeError = error == SocketError.Success ? SocketError.Shutdown : error;
        if (error == SocketError.Success)
        {
            _peerClosed = true;
        }
        if (_receiveOp is { Pending: true })
        {
            _core.Post(static s => ((FastSocket)s!).ContinueReceive(), this);
        }
        if (_sendOp is { Pending: true })
        {
            _core.Post(static s => ((FastSocket)s!).ContinueSend(), this);
        }
        _poller?.Notify(this);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>The connection, unless the pooled object has since been reused for another connection.</summary>
    private TcpConnection? LiveConnection()
    {
        TcpConnection? c = _connection;
        if (c is null || c.Generation != _generation || c.ApplicationReleased)
        {
            return null;
        }
        return c;
    }

    private void OnCore(Action<TcpConnection> action)
    {
        if (_connection is null)
        {
            return;
        }
        _core.Execute(() =>
        {
            TcpConnection? c = LiveConnection();
            if (c is not null)
            {
                action(c);
            }
        });
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
