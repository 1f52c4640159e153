using System.Net;
using System.Net.Sockets;

namespace Fastsocket.Bench;

/// <summary>
/// The System.Net.Sockets kernel rows' server on 127.0.0.1, shaped like the stack's (<see cref="StackBenchServer"/>):
/// one pinned thread per server core (<see cref="KernelCoreLoop"/>) running a fixed set of workers, each accepting a
/// connection, reading its request up to the blank line, writing the response and closing, then accepting the next
/// with the same buffer. Either all cores' workers accept from one listening socket, or (<c>reusePort</c>) each core
/// has its own SO_REUSEPORT listener on the shared port. No cancellation token on any operation (registering one
/// takes the token's lock, which every core would share, and the stack side has none either) and no per-socket
/// options: TCP_NODELAY is set once on the listener, which accepted sockets inherit on Linux. The server closes
/// first, so TIME-WAIT lands here, as in the paper's nginx test.
/// </summary>
internal sealed class KernelBenchServer : IDisposable
{
    private const int SolSocket = 1;
    private const int SoReusePort = 15;
    private const int Backlog = 4096;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly ReadOnlyMemory<byte> _response;
    private readonly int _receiveBufferSize;
    private readonly Socket[] _listeners;
    private readonly KernelCoreLoop[] _cores;
    private readonly Task[] _workers;
    private volatile bool _stopping;
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

                listener.NoDelay = true;
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

        // Core k on the k-th CPU the process may use, as the stack's server engines (FirstCpu 0); as many workers per core as the stack server's.
        int workersPerCore = StackBenchServer.WorkersPerCore(spec);
        _cores = new KernelCoreLoop[spec.ServerCores];
        _workers = new Task[spec.ServerCores * workersPerCore];
        for (var core = 0; core < _cores.Length; core++)
        {
            _cores[core] = new KernelCoreLoop(core, $"kernel server {core}");
            var listener = _listeners[core % _listeners.Length];
            for (var i = 0; i < workersPerCore; i++)
            {
                _workers[(core * workersPerCore) + i] = _cores[core].Start(() => Worker(listener));
            }
        }
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Connections the server failed to serve (the client sees these too, as errors).</summary>
    public long ServerErrors => Interlocked.Read(ref _serverErrors);

    private async Task Worker(Socket listener)
    {
        // One buffer per worker for all its connections; its awaits resume on its core (the loop's context).
        var buffer = new byte[_receiveBufferSize];
        while (!_stopping)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync();
            }
            catch (Exception) when (_stopping)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection reset before it was accepted: the accept queue just moves on.
                continue;
            }

            try
            {
                var length = 0;
                var complete = false;
                while (!complete)
                {
                    if (length == buffer.Length)
                    {
                        throw new InvalidDataException("Request header block larger than the receive buffer.");
                    }

                    var read = await connection.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None);
                    if (read == 0)
                    {
                        throw new InvalidDataException("Client closed before the request was complete.");
                    }

                    // The blank line may straddle two reads: look back three bytes into the previous ones.
                    var from = Math.Max(0, length - 3);
                    length += read;
                    complete = buffer.AsSpan(from, length - from).IndexOf(BenchMessages.HeaderEnd) >= 0;
                }

                var sent = 0;
                while (sent < _response.Length)
                {
                    sent += await connection.SendAsync(_response[sent..], SocketFlags.None);
                }
            }
            catch (Exception) when (!_stopping)
            {
                Interlocked.Increment(ref _serverErrors);
            }
            catch (Exception)
            {
                // Stopping: a connection cut short by the end of the run is not the server's failure.
            }
            finally
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>Closes the listeners (failing the workers' pending accepts), waits briefly for them, stops the cores.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        try
        {
            Task.WaitAll(_workers, StopTimeout);
        }
        catch (AggregateException)
        {
            // Workers end by the listener's disposal; how each one ended does not matter here.
        }

        foreach (var core in _cores)
        {
            core.Dispose();
        }
    }
}
