using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Simulation;

/// <summary>
/// The server side of the soak: a listening socket with an accept loop on every core of its stack (Fastsocket's local
/// listen tables), serving each connection on the core that owns it according to its <see cref="SoakRequest"/>.
/// </summary>
internal sealed class SoakServer
{
    private readonly FastsocketStack _stack;
    private readonly SoakTally _tally;
    private readonly FastSocket _listener;
    private readonly CancellationToken _hardStop;
    private int _active;
    private int _loops;

    public SoakServer(FastsocketStack stack, ushort port, SoakTally tally, CancellationToken hardStop)
    {
        _stack = stack;
        _tally = tally;
        _hardStop = hardStop;
        _listener = new FastSocket(stack);
        _listener.Bind(new IPEndPoint(IPAddress.Any, port));
        _listener.Listen(4096);
    }

    /// <summary>Connections being served right now.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Accept loops still running.</summary>
    public int AcceptLoops => Volatile.Read(ref _loops);

    public void Start()
    {
        foreach (EngineCore core in _stack.Cores)
        {
            Interlocked.Increment(ref _loops);
            core.Post(_ => _ = AcceptLoopAsync(), null);
        }
    }

    /// <summary>Stops listening: waiting accepts fail with OperationAborted and queued connections are reset.</summary>
    public void StopListening() => _listener.Dispose();

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                FastSocket connection;
                try
                {
                    connection = await _listener.AcceptAsync(_hardStop);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (OperationCanceledException) when (_hardStop.IsCancellationRequested)
                {
                    return;
                }
                Interlocked.Increment(ref _active);
                _ = ServeAsync(connection);
            }
        }
        catch (Exception e)
        {
            _tally.Unhandled("server accept loop", e);
        }
        finally
        {
            Interlocked.Decrement(ref _loops);
        }
    }

    private async Task ServeAsync(FastSocket socket)
    {
        SoakOperation operation = 0;
        try
        {
            byte[] header = new byte[SoakRequest.Length];
            if (!await SoakIo.ReadExactlyAsync(socket, header, _hardStop))
            {
                _tally.ServerFailure("request", "stream ended inside the request header");
                return;
            }
            SoakRequest request = SoakRequest.Read(header);
            operation = request.Operation;
            await ServeAsync(socket, request);
        }
        catch (SocketException e) when (operation == SoakOperation.DownloadUntilReset && e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // The client resets mid-transfer on purpose.
        }
        catch (SocketException e)
        {
            _tally.ServerFailure(operation.ToString(), $"socket error {e.SocketErrorCode}");
        }
        catch (OperationCanceledException) when (_hardStop.IsCancellationRequested)
        {
            _tally.ServerFailure(operation.ToString(), "still running when the drain allowance ran out");
        }
        catch (Exception e)
        {
            _tally.Unhandled($"server {operation}", e);
        }
        finally
        {
            socket.Dispose();
            Interlocked.Decrement(ref _active);
        }
    }

    private async Task ServeAsync(FastSocket socket, SoakRequest request)
    {
        byte[] buffer = new byte[SoakIo.ChunkSize];
        switch (request.Operation)
        {
            case SoakOperation.Echo:
            {
                byte[] payload = new byte[request.Bytes];
                if (!await SoakIo.ReadExactlyAsync(socket, payload, _hardStop))
                {
                    _tally.ServerFailure("Echo", "stream ended inside the payload");
                    return;
                }
                await socket.SendAsync(payload, _hardStop);
                socket.Shutdown(SocketShutdown.Send);
                await SoakIo.ReadToEndAsync(socket, null, buffer, _hardStop);
                return;
            }
            case SoakOperation.Upload:
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long received = await SoakIo.ReadToEndAsync(socket, hash, buffer, _hardStop);
                byte[] digest = hash.GetHashAndReset();
                byte[] expected = await Task.Run(() => SoakIo.PatternDigest(request.Seed, request.Bytes));
                bool good = received == request.Bytes && digest.AsSpan().SequenceEqual(expected);
                if (!good)
                {
                    _tally.ServerFailure("Upload", $"received {received} of {request.Bytes} bytes, digest {(digest.AsSpan().SequenceEqual(expected) ? "matches" : "differs")}");
                }
                byte[] reply = new byte[digest.Length + 1];
                digest.CopyTo(reply, 0);
                reply[^1] = good ? (byte)1 : (byte)0;
                await socket.SendAsync(reply, _hardStop);
                socket.Shutdown(SocketShutdown.Send);
                return;
            }
            case SoakOperation.Download:
                await SoakIo.SendPatternAsync(socket, request.Seed, request.Bytes, null, buffer, _hardStop);
                socket.Shutdown(SocketShutdown.Send);
                await SoakIo.ReadToEndAsync(socket, null, buffer, _hardStop);
                return;
            case SoakOperation.Idle:
            {
                int n;
                while ((n = await socket.ReceiveAsync(buffer, _hardStop)) > 0)
                {
                    await socket.SendAsync(buffer.AsMemory(0, n), _hardStop);
                }
                socket.Shutdown(SocketShutdown.Send);
                return;
            }
            case SoakOperation.DownloadUntilReset:
                await SoakIo.SendPatternAsync(socket, request.Seed, request.Bytes, null, buffer, _hardStop);
                _tally.ServerFailure("DownloadUntilReset", $"sent all {request.Bytes} bytes without being reset");
                return;
            case SoakOperation.ServerAborts:
            {
                long remaining = request.Bytes;
                while (remaining > 0)
                {
                    int n = await socket.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(remaining, buffer.Length)), _hardStop);
                    if (n == 0)
                    {
                        _tally.ServerFailure("ServerAborts", "stream ended before the abort point");
                        return;
                    }
                    remaining -= n;
                }
                socket.LingerState = new LingerOption(true, 0);
                return;
            }
            default:
                _tally.ServerFailure("request", $"unknown operation {(int)request.Operation}");
                return;
        }
    }
}
