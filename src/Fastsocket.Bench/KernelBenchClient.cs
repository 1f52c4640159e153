using System.Net;
using System.Net.Sockets;

namespace Fastsocket.Bench;

/// <summary>
/// One client loop's connection routine over kernel TCP: connect, send the request, read the response
/// until the server's FIN, check it, close. Owns a receive buffer reused across its connections, so
/// one instance must not run two connections at once.
/// </summary>
internal sealed class KernelBenchClient
{
    private readonly IPEndPoint _server;
    private readonly ReadOnlyMemory<byte> _request;
    private readonly int _responseLength;
    private readonly byte[] _buffer;
    private readonly IPEndPoint? _source;

    /// <param name="server">The kernel bench server's loopback endpoint.</param>
    /// <param name="spec">Supplies the request to send and the response length to expect.</param>
    /// <param name="source">Loopback address to connect from (port 0), or null for the kernel's choice.</param>
    public KernelBenchClient(IPEndPoint server, BenchRunSpec spec, IPAddress? source = null)
    {
        _server = server;
        _source = source is null ? null : new IPEndPoint(source, 0);
        _request = spec.Request;
        _responseLength = spec.Response.Length;
        _buffer = new byte[Math.Clamp(_responseLength + 1, 1024, 64 * 1024)];
    }

    public async ValueTask RunOnceAsync(CancellationToken token)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        socket.LingerState = new LingerOption(false, 0);
        if (_source is not null)
        {
            socket.Bind(_source);
        }
        await socket.ConnectAsync(_server, token).ConfigureAwait(false);

        var sent = 0;
        while (sent < _request.Length)
        {
            sent += await socket.SendAsync(_request[sent..], SocketFlags.None, token).ConfigureAwait(false);
        }

        var received = 0;
        var checkedPrefix = false;
        while (true)
        {
            var read = await socket.ReceiveAsync(_buffer, SocketFlags.None, token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            if (!checkedPrefix)
            {
                // The status line arrives in the first segment on loopback; if it ever does not, it is
                // still checked once enough bytes are in, since the buffer holds at least 1 KiB.
                var prefix = BenchMessages.StatusLinePrefix;
                if (received == 0 && read >= prefix.Length)
                {
                    if (!_buffer.AsSpan(0, prefix.Length).SequenceEqual(prefix))
                    {
                        throw new InvalidDataException("Response does not start with 'HTTP/1.1 200'.");
                    }

                    checkedPrefix = true;
                }
            }

            received += read;
            if (received > _responseLength)
            {
                throw new InvalidDataException($"Response longer than the {_responseLength} bytes expected.");
            }
        }

        if (received != _responseLength)
        {
            throw new InvalidDataException($"Response of {received} bytes, expected {_responseLength}.");
        }
    }
}
