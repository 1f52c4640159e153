using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Fastsocket.AspNetCore;

/// <summary>
/// One accepted <see cref="FastSocket"/> as Kestrel sees a connection: two pipes between the socket and the app.
/// The receive loop (socket to input pipe) and the send loop (output pipe to socket) are async methods started on
/// the core that owns the socket, and every await in them resumes there, so the socket is only touched from its
/// own core. The app's side of the pipes runs on the thread pool. Backpressure is the pipes' thresholds: a full
/// input pipe stops the receive loop (and TCP's window closes), a full output pipe makes Kestrel's writes wait.
/// </summary>
public sealed class FastsocketConnectionContext : ConnectionContext,
    IConnectionIdFeature,
    IConnectionTransportFeature,
    IConnectionItemsFeature,
    IConnectionLifetimeFeature,
    IConnectionEndPointFeature,
    IMemoryPoolFeature
{
    // Large enough for a full-size TCP segment plus headers of the next; Kestrel's socket transport reads 4 KiB too.
    private const int MinimumReadSize = 4096;

    // How long DisposeAsync waits, after our FIN, for the peer's before it releases the socket under the receive loop.
    private static readonly TimeSpan PeerFinGrace = TimeSpan.FromSeconds(1);

    private static long s_lastId;

    private readonly FastSocket _socket;
    private readonly EngineCore _core;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    // Completed only from FireConnectionClosed's thread-pool item, never on the engine core, so DisposeAsync may go
    // on in that same item: asynchronous continuations would cost one more thread-pool hop per connection.
    private readonly TaskCompletionSource _receiveDone = new();
    private readonly TaskCompletionSource _sendDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private IDictionary<object, object?>? _items;
    private string? _connectionId;
    private Exception? _shutdownReason;
    private bool _socketDisposed;
    private bool _finSent;
    private bool _receiveEnded;
    private volatile bool _aborted;
    private int _closedFired;

    internal FastsocketConnectionContext(FastSocket socket, ConnectionPipeOptions pipeOptions, ILogger logger)
    {
        _socket = socket;
        _logger = logger;
        _core = pipeOptions.Core;
        MemoryPool = pipeOptions.MemoryPool;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        _input = new Pipe(pipeOptions.Input);
        _output = new Pipe(pipeOptions.Output);
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        Features = new ConnectionFeatures(this);
    }

    /// <inheritdoc/>
    /// <remarks>Made on first read: "fs" and a process-wide counter in 12 hex digits, unless Kestrel set one.</remarks>
    public override string ConnectionId
    {
        get => _connectionId ??= "fs" + Interlocked.Increment(ref s_lastId).ToString("X12", System.Globalization.CultureInfo.InvariantCulture);
        set => _connectionId = value;
    }

    /// <inheritdoc/>
    /// <remarks>The context's own features (id, transport, items, lifetime, end points, memory pool) without a dictionary; others may be added.</remarks>
    public override IFeatureCollection Features { get; }

    /// <inheritdoc/>
    /// <remarks>A concurrent dictionary made on first read: the app's threads may use it at the same time.</remarks>
    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConcurrentDictionary<object, object?>();
        set => _items = value;
    }

    /// <inheritdoc/>
    public override IDuplexPipe Transport { get; set; }

    /// <inheritdoc/>
    /// <remarks>
    /// Cancelled once, on a thread-pool thread (never the engine core), when the peer's FIN or reset ends the receive
    /// side or the connection is aborted. The setter throws <see cref="NotSupportedException"/>: the transport owns the token.
    /// </remarks>
    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException("the transport owns the connection-closed token");
    }

    /// <summary>The pool both pipes rent their segments from: the listener's, shared by all its connections.</summary>
    public MemoryPool<byte> MemoryPool { get; }

    /// <summary>The socket under this connection (for diagnostics: its core, its options).</summary>
    public FastSocket Socket => _socket;

    /// <summary>Starts both loops on the socket's core; the caller may be on any thread.</summary>
    internal void Start()
    {
        _core.Post(static s =>
        {
            var connection = (FastsocketConnectionContext)s!;
            _ = connection.ReceiveLoopAsync();
            _ = connection.SendLoopAsync();
        }, this);
    }

    /// <summary>Drops the connection with a RST, as Kestrel asks on protocol errors and timeouts.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        // The reason is published before the flag, so whoever sees the flag sees the reason.
        Interlocked.CompareExchange(ref _shutdownReason, abortReason, null);
        _aborted = true;
        // Ends the send loop now even if Kestrel never completes the output pipe.
        _output.Reader.CancelPendingRead();
        _core.Execute(() => CloseSocket(reset: true));
    }

    /// <summary>
    /// Graceful close: completes the app's ends of the pipes, which lets the send loop flush what is left and send FIN;
    /// the socket is released when the peer's FIN ends the receive loop, or after a second without it. Returns when
    /// both loops have finished.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        _input.Reader.Complete();
        _output.Writer.Complete();
        await _sendDone.Task.ConfigureAwait(false);
        if (!_receiveDone.Task.IsCompleted)
        {
            try
            {
                // Our FIN is out; the peer's normally follows within a round trip and ends the receive loop.
                await _receiveDone.Task.WaitAsync(PeerFinGrace).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A peer that keeps its side open (an idle client that does not read) must not hold the connection.
                _core.Execute(static s => ((FastsocketConnectionContext)s!).CloseSocket(reset: false), this);
                await _receiveDone.Task.ConfigureAwait(false);
            }
        }
        _closed.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        PipeWriter writer = _input.Writer;
        try
        {
            while (true)
            {
                Memory<byte> buffer = writer.GetMemory(MinimumReadSize);
                int received = await _socket.ReceiveAsync(buffer).ConfigureAwait(true);
                if (received == 0)
                {
                    // FIN from the peer: the app reads what is left, then sees the end of the request stream.
                    FastsocketTransportLog.ConnectionReadFin(_logger, this);
                    break;
                }
                writer.Advance(received);
                ValueTask<FlushResult> flushing = writer.FlushAsync();
                bool paused = !flushing.IsCompleted;
                if (paused)
                {
                    // The app has not read what is buffered: stop reading the socket (TCP's window closes) until it does.
                    FastsocketTransportLog.ConnectionPause(_logger, this);
                }
                FlushResult flush = await flushing.ConfigureAwait(true);
                if (paused)
                {
                    FastsocketTransportLog.ConnectionResume(_logger, this);
                }
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.TimedOut)
        {
            FastsocketTransportLog.ConnectionReset(_logger, this);
            error = new ConnectionResetException(e.Message, e);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException { SocketErrorCode: SocketError.OperationAborted })
        {
            // We closed the socket ourselves (dispose or abort): not an error of the connection.
        }
        catch (Exception e)
        {
            FastsocketTransportLog.ConnectionError(_logger, this, e);
            error = e;
        }
        if (error is not null)
        {
            Interlocked.CompareExchange(ref _shutdownReason, error, null);
            // The connection is dead both ways: stop the send loop instead of waiting for Kestrel to notice.
            _output.Reader.CancelPendingRead();
        }
        Exception? reason = _aborted ? Volatile.Read(ref _shutdownReason) : error;
        await writer.CompleteAsync(reason).ConfigureAwait(true);
        _receiveEnded = true;
        if (_finSent)
        {
            // The send loop sent our FIN and left the socket to this loop: both directions are finished now.
            CloseSocket(reset: false);
        }
        FireConnectionClosed();
    }

    private async Task SendLoopAsync()
    {
        Exception? error = null;
        PipeReader reader = _output.Reader;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(true);
                if (result.IsCanceled)
                {
                    break;
                }
                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    if (!segment.IsEmpty)
                    {
                        await _socket.SendAsync(segment).ConfigureAwait(true);
                    }
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException { SocketErrorCode: SocketError.OperationAborted })
        {
        }
        catch (Exception e)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown })
            {
                FastsocketTransportLog.ConnectionReset(_logger, this);
                error = new ConnectionResetException(e.Message, e);
            }
            else
            {
                FastsocketTransportLog.ConnectionError(_logger, this, e);
                error = e;
            }
        }
        if (error is not null)
        {
            Interlocked.CompareExchange(ref _shutdownReason, error, null);
        }
        Exception? reason = Volatile.Read(ref _shutdownReason);
        // Kestrel's next write fails with the reason the connection ended, if it ended badly.
        await reader.CompleteAsync(reason).ConfigureAwait(true);
        // After the last byte: FIN (or RST when aborted), then release the socket, which also ends the receive loop.
        bool reset = _aborted || error is not null;
        if (!reset && !_socketDisposed)
        {
            FastsocketTransportLog.ConnectionWriteFin(_logger, this, "The application completed the connection's output.");
        }
        if (reset || _receiveEnded || _socketDisposed)
        {
            CloseSocket(reset);
        }
        else
        {
            // FIN now, but keep the socket until the peer's FIN ends the receive loop, which then releases it:
            // disposing it under a pending receive fails that receive with an exception, several microseconds of CPU
            // on every connection the server closes first (HTTP's Connection: close). DisposeAsync bounds the wait.
            SendFin();
        }
        _sendDone.TrySetResult();
    }

    /// <summary>On the socket's core: our FIN after the last byte, keeping the socket for the receive loop.</summary>
    private void SendFin()
    {
        _finSent = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed by the peer or by the stack: the receive loop ends and releases the socket.
        }
    }

    /// <summary>On the socket's core: FIN (unless sent already) then close, or RST. Idempotent.</summary>
    private void CloseSocket(bool reset)
    {
        if (_socketDisposed)
        {
            return;
        }
        _socketDisposed = true;
        try
        {
            if (reset)
            {
                _socket.LingerState = new LingerOption(true, 0);
            }
            else if (!_finSent)
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed by the peer or by the stack; Dispose below still releases it.
        }
        _socket.Dispose();
    }

    /// <summary>Fires ConnectionClosed, then marks the receive side done (DisposeAsync waits for both, in that order).</summary>
    private void FireConnectionClosed()
    {
        if (Interlocked.Exchange(ref _closedFired, 1) != 0)
        {
            return;
        }
        // Callbacks registered by the app must not run on the engine core.
        ThreadPool.UnsafeQueueUserWorkItem(static c =>
        {
            try
            {
                c._closed.Cancel();
            }
            finally
            {
                c._receiveDone.TrySetResult();
            }
        }, this, preferLocal: false);
    }

    void IConnectionLifetimeFeature.Abort() => Abort(new ConnectionAbortedException("The connection was aborted by the application."));
}
