using System.Net;
using System.Net.Sockets;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Bench;

/// <summary>
/// One client loop's connection routine against Kestrel: connect (kernel socket or Fastsocket.NET socket), send the
/// bench request, read to Kestrel's FIN, check the status line and that the response ends with the expected body.
/// Kestrel adds its own headers (Date, ...), so only the body is compared byte for byte. Owns its buffer, so one
/// instance runs one connection at a time.
/// </summary>
internal sealed class KestrelBenchClient
{
    private readonly IPEndPoint _server;
    private readonly FastsocketStack? _stack;
    private readonly ReadOnlyMemory<byte> _request;
    private readonly ReadOnlyMemory<byte> _body;
    private readonly byte[] _buffer;

    /// <summary>A client on <paramref name="stack"/>, or on the kernel when it is null.</summary>
    public KestrelBenchClient(IPEndPoint server, FastsocketStack? stack, BenchRunSpec spec)
    {
        _server = server;
        _stack = stack;
        _request = spec.Request;
        _body = spec.Response[(spec.Response.Length - spec.ResponseBytes)..];
        // Kestrel's header block stays well under 1 KiB; the whole response fits, so the body is at its end.
        _buffer = new byte[spec.ResponseBytes + 1024];
    }

    public async ValueTask RunOnceAsync(CancellationToken token)
    {
        if (_stack is null)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(_server, token).ConfigureAwait(false);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await ExchangeAsync(stream, token).ConfigureAwait(false);
        }
        else
        {
            using var socket = new FastSocket(_stack) { NoDelay = true };
            await socket.ConnectAsync(_server, token).ConfigureAwait(false);
            await using var stream = new FastSocketStream(socket, ownsSocket: false);
            await ExchangeAsync(stream, token).ConfigureAwait(false);
        }
    }

    private async Task ExchangeAsync(Stream stream, CancellationToken token)
    {
        await stream.WriteAsync(_request, token).ConfigureAwait(false);
        int received = 0;
        while (true)
        {
            if (received == _buffer.Length)
            {
                throw new InvalidDataException($"Response longer than {_buffer.Length} bytes.");
            }
            int read = await stream.ReadAsync(_buffer.AsMemory(received), token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            received += read;
        }
        ReadOnlySpan<byte> response = _buffer.AsSpan(0, received);
        if (!response.StartsWith(BenchMessages.StatusLinePrefix))
        {
            throw new InvalidDataException("Response does not start with 'HTTP/1.1 200'.");
        }
        if (!response.EndsWith(_body.Span) || response.Length < _body.Length + BenchMessages.HeaderEnd.Length)
        {
            throw new InvalidDataException($"Response of {received} bytes does not end with the {_body.Length}-byte body.");
        }
    }
}
