namespace Fastsocket.Sockets;

/// <summary>A <see cref="Stream"/> over a connected <see cref="FastSocket"/>, as <c>NetworkStream</c> is over a Socket.</summary>
public sealed class FastSocketStream : Stream
{
    private readonly bool _ownsSocket;
    private bool _disposed;

    /// <summary>Wraps a connected socket.</summary>
    /// <param name="socket">The socket; reads and writes go straight to it, with its thread rules.</param>
    /// <param name="ownsSocket">True to dispose the socket with the stream (the default, unlike <c>NetworkStream</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    public FastSocketStream(FastSocket socket, bool ownsSocket = true)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Socket = socket;
        _ownsSocket = ownsSocket;
    }

    /// <summary>The underlying socket.</summary>
    public FastSocket Socket { get; }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanWrite => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Goes to <see cref="FastSocket.Receive(byte[], int, int, System.Net.Sockets.SocketFlags)"/>: on the socket's own engine
    /// thread, or when it is not blocking, it throws a <see cref="System.Net.Sockets.SocketException"/> with
    /// <see cref="System.Net.Sockets.SocketError.WouldBlock"/> instead of waiting. Socket errors come out as
    /// <see cref="System.Net.Sockets.SocketException"/>, not wrapped in <see cref="IOException"/> as NetworkStream does.
    /// </remarks>
    public override int Read(byte[] buffer, int offset, int count) => Socket.Receive(buffer, offset, count, default);

    /// <inheritdoc/>
    /// <remarks>As <see cref="FastSocket.Receive(Span{byte})"/>, including its thread rules and exceptions.</remarks>
    public override int Read(Span<byte> buffer) => Socket.Receive(buffer);

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Socket.ReceiveAsync(buffer, cancellationToken);

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Socket.ReceiveAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Writes all of the bytes, blocking until they are queued in the send buffer.</summary>
    /// <remarks>Blocks the calling thread; on the socket's own engine thread this can stall the engine, so use <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/> there.</remarks>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Writes all of the bytes, blocking until they are queued; copies them to an array first (allocates).</summary>
    public override void Write(ReadOnlySpan<byte> buffer) => WriteAsync(buffer.ToArray()).AsTask().GetAwaiter().GetResult();

    /// <summary>Writes all of the bytes: completes when they are queued in the send buffer (not when acknowledged).</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        await Socket.SendAsync(buffer, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Bytes are handed to TCP as they are written; there is nothing to flush.</summary>
    public override void Flush()
    {
    }

    /// <summary>Completes at once: bytes are handed to TCP as they are written.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Disposes the socket too when the stream owns it (a graceful close, see <see cref="FastSocket.Dispose"/>).</summary>
    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing && _ownsSocket)
        {
            Socket.Dispose();
        }
        _disposed = true;
        base.Dispose(disposing);
    }
}
