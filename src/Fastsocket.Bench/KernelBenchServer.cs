using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Fastsocket.Bench;

/// <summary>
/// The kernel baseline's server on 127.0.0.1: either one listening socket shared by
/// <c>cores</c> accept loops, or (<c>reusePort</c>) one SO_REUSEPORT listener per core, all bound to
/// the same port so the kernel spreads incoming connections across them. Each connection: read the
/// request up to the blank line, write the response, close (the server closes first, so TIME-WAIT
/// lands here, as in the paper's nginx test).
/// </summary>
internal sealed class KernelBenchServer : IDisposable
{
    private const int SolSocket = 1;
    private const int SoReusePort = 15;
    private const int Backlog = 4096;

    private readonly ReadOnlyMemory<byte> _response;
    private readonly int _receiveBufferSize;
    private readonly Socket[] _listeners;
    private readonly Task[] _acceptLoops;
    private readonly CancellationTokenSource _stop = new();
    private long _active;
    private long _serverErrors;

    public KernelBenchServer(BenchRunSpec spec, bool reusePort)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (reusePort && !OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("SO_REUSEPORT listeners are only set up on Linux.");
        }

        _response = spec.Response;
        _receiveBufferSize = Math.Max(1024, spec.RequestBytes);

        _listeners = new Socket[reusePort ? spec.ServerCores : 1];
        try
        {
            var port = 0;
            for (var i = 0; i < _listeners.Length; i++)
            {
                var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                _listeners[i] = listener;
                if (reusePort)
                {
                    listener.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
                }

                listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
                listener.Listen(Backlog);
                port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            }

            EndPoint = new IPEndPoint(IPAddress.Loopback, port);
        }
        catch
        {
            foreach (var listener in _listeners)
            {
                listener?.Dispose();
            }

            throw;
        }

        _acceptLoops = new Task[spec.ServerCores];
        for (var core = 0; core < _acceptLoops.Length; core++)
        {
            var listener = _listeners[core % _listeners.Length];
            _acceptLoops[core] = Task.Run(() => AcceptLoop(listener));
        }
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Connections the server failed to serve (the client sees these too, as errors).</summary>
    public long ServerErrors => Interlocked.Read(ref _serverErrors);

    private async Task AcceptLoop(Socket listener)
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection reset before it was accepted: the accept queue just moves on.
                continue;
            }

            Interlocked.Increment(ref _active);
            // Not awaited: the accept loop moves on while this connection is served. On loopback the
            // request is usually there already, so it runs to completion inline like an event loop.
            _ = Serve(connection, token);
        }
    }

    private async Task Serve(Socket connection, CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_receiveBufferSize);
        try
        {
            connection.NoDelay = true;
            connection.LingerState = new LingerOption(false, 0);

            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    throw new InvalidDataException("Request header block larger than the receive buffer.");
                }

                var read = await connection.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidDataException("Client closed before the request was complete.");
                }

                // The blank line may straddle two reads: look back three bytes into the previous ones.
                var from = Math.Max(0, length - 3);
                length += read;
                if (buffer.AsSpan(from, length - from).IndexOf(BenchMessages.HeaderEnd) >= 0)
                {
                    break;
                }
            }

            var sent = 0;
            while (sent < _response.Length)
            {
                sent += await connection.SendAsync(_response[sent..], SocketFlags.None, token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            if (!token.IsCancellationRequested)
            {
                Interlocked.Increment(ref _serverErrors);
            }
        }
        finally
        {
            connection.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>Closes the listeners, stops accepting and waits (briefly) for connections being served.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        Task.WaitAll(_acceptLoops, TimeSpan.FromSeconds(5));
        var deadline = Environment.TickCount64 + 5000;
        while (Interlocked.Read(ref _active) > 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(10);
        }

        _stop.Dispose();
    }
}
