using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Fastsocket.AspNetCore;

/// <summary>
/// A Kestrel endpoint on Fastsocket.NET. Kestrel accepts from one loop, but the stack accepts best where the SYN
/// arrived: so one accept loop runs on every engine core (opening that core's local listen table, as Fastsocket's
/// local listen does), and each pushes the connections it accepts into a channel Kestrel's loop reads. A connection
/// accepted on core k keeps living on core k.
/// </summary>
public sealed class FastsocketConnectionListener : IConnectionListener
{
    private readonly FastsocketNetwork _network;
    private readonly FastsocketTransportOptions _options;
    private readonly MemoryPool<byte> _memoryPool;
    private readonly bool _ownsMemoryPool;
    private readonly ILogger _logger;
    private ConnectionPipeOptions[] _pipeOptions = [];
    private readonly Channel<FastsocketConnectionContext> _accepted =
        Channel.CreateUnbounded<FastsocketConnectionContext>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _acceptLoops = [];
    private FastSocket? _listener;
    private int _unbound;

    internal FastsocketConnectionListener(FastsocketNetwork network, EndPoint endPoint, MemoryPool<byte> memoryPool, bool ownsMemoryPool, ILogger logger)
    {
        _network = network;
        _options = network.Options;
        _memoryPool = memoryPool;
        _ownsMemoryPool = ownsMemoryPool;
        _logger = logger;
        EndPoint = endPoint;
    }

    /// <summary>
    /// Before <see cref="Bind"/>, what Kestrel asked for; after, where the endpoint really is, which Kestrel logs as
    /// "Now listening on": the stack's own address for a loopback request (the kernel's loopback has nothing
    /// listening), the wildcard as asked, and the port chosen for port 0.
    /// </summary>
    public EndPoint EndPoint { get; private set; }

    internal void Bind()
    {
        if (EndPoint is not IPEndPoint requested)
        {
            throw new NotSupportedException($"Fastsocket.NET listens on IP endpoints only, not {EndPoint.GetType().Name}");
        }
        if (requested.AddressFamily != AddressFamily.InterNetwork)
        {
            // Kestrel binds localhost and * on IPv6 too and carries on with IPv4 when that fails; the stack is IPv4-only.
            throw new SocketException((int)SocketError.AddressFamilyNotSupported, $"Fastsocket.NET is IPv4-only; cannot listen on {requested}");
        }
        FastsocketStack stack = _network.ServerStack;
        // The app's loopback or wildcard address means the stack's own address: the stack is this host's network.
        bool ours = requested.Address.Equals(IPAddress.Any) || IPAddress.IsLoopback(requested.Address) || requested.Address.Equals(_network.ServerAddress);
        if (!ours)
        {
            throw new SocketException((int)SocketError.AddressNotAvailable, $"{requested.Address} is not the Fastsocket.NET stack's address ({_network.ServerAddress})");
        }
        _listener = requested.Port != 0 ? Listen(stack, requested.Port) : ListenOnFreePort(stack);
        IPAddress reachable = IPAddress.IsLoopback(requested.Address) ? _network.ServerAddress : requested.Address;
        EndPoint = new IPEndPoint(reachable, ((IPEndPoint)_listener.LocalEndPoint!).Port);
        FastsocketTransportLog.ListenerBound(_logger, stack.Name, EndPoint, requested, stack.CoreCount);
        if (_network.Wire is not null)
        {
            FastsocketTransportLog.ListenerInMemory(_logger, EndPoint, _network.ServerAddress, requested);
        }
        // Every connection of a core has the same pipe settings: made once here, not twice per connection.
        _pipeOptions = stack.Cores.Select(core => new ConnectionPipeOptions(core, _memoryPool, _options)).ToArray();
        foreach (EngineCore core in stack.Cores)
        {
            var started = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
            core.Post(static s =>
            {
                var (listener, tcs) = ((FastsocketConnectionListener, TaskCompletionSource<Task>))s!;
                tcs.SetResult(listener.AcceptLoopAsync());
            }, (this, started));
            _acceptLoops.Add(started.Task.Unwrap());
        }
    }

    private FastSocket Listen(FastsocketStack stack, int port)
    {
        var socket = new FastSocket(stack);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            socket.Listen(_options.Backlog);
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            // Kestrel reports AddressInUseException as "address already in use" and does not retry another family.
            throw new AddressInUseException(e.Message, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Port 0: the first free port above the well-known ones and below the ephemeral range Receive Flow Deliver uses.</summary>
    private FastSocket ListenOnFreePort(FastsocketStack stack)
    {
        const int first = 10000;
        int span = stack.Options.EphemeralPortFirst - first;
        int start = Random.Shared.Next(span);
        for (int i = 0; i < span; i++)
        {
            try
            {
                return Listen(stack, first + ((start + i) % span));
            }
            catch (AddressInUseException)
            {
            }
        }
        throw new AddressInUseException("no free port on the Fastsocket.NET stack");
    }

    /// <summary>Runs on one engine core; its awaits resume there, so accepts come from that core's local queue first.</summary>
    private async Task AcceptLoopAsync()
    {
        FastSocket listener = _listener!;
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            FastSocket socket;
            try
            {
                socket = await listener.AcceptAsync(stop).ConfigureAwait(true);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (!stop.IsCancellationRequested && e is SocketException { SocketErrorCode: not SocketError.OperationAborted })
                {
                    // Not an unbind: this core stops accepting while the app keeps running, which an operator must see.
                    FastsocketTransportLog.AcceptLoopFailed(_logger, EngineCore.Current?.CoreId ?? -1, EndPoint, e);
                }
                return;
            }
            var connection = new FastsocketConnectionContext(socket, _pipeOptions[socket.CoreId], _logger);
            if (!_accepted.Writer.TryWrite(connection))
            {
                // Unbound meanwhile: nobody will serve it.
                socket.LingerState = new LingerOption(true, 0);
                socket.Dispose();
                return;
            }
            FastsocketTransportLog.ConnectionAccepted(_logger, connection);
            connection.Start();
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Returns the next connection any core's accept loop accepted, in the order they were accepted; null once the
    /// listener is unbound or disposed. Meant for Kestrel's single accept loop: the channel has one reader.
    /// </remarks>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (await _accepted.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && _accepted.Reader.TryRead(out FastsocketConnectionContext? connection))
            {
                return connection;
            }
        }
        catch (ChannelClosedException)
        {
        }
        // Unbound or disposed: Kestrel's accept loop ends on null.
        return null;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Closes the listening socket and waits for every core's accept loop to end; connections already accepted live on.
    /// A second call returns at once.
    /// </remarks>
    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _unbound, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        _accepted.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_acceptLoops).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host stopped waiting (Kestrel's Dispose unbinds with a token already cancelled): the loops were
            // told to stop above and end by themselves; failing here would only make disposing the host throw.
        }
        FastsocketTransportLog.ListenerUnbound(_logger, EndPoint);
    }

    /// <inheritdoc/>
    /// <remarks>Unbinds, then aborts (resets) connections accepted but never returned by <see cref="AcceptAsync"/>.</remarks>
    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        // Accepted but never handed to Kestrel: reset them, as closing a listening socket resets its queue.
        while (_accepted.Reader.TryRead(out FastsocketConnectionContext? connection))
        {
            connection.Abort(new ConnectionAbortedException("the listener was disposed"));
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
        if (_ownsMemoryPool)
        {
            // Blocks that live connections still hold are released to the collector when they return them.
            _memoryPool.Dispose();
        }
    }
}
