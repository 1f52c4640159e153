using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Bench;

/// <summary>
/// The benchmark's HTTP server on Fastsocket.NET: a fixed set of workers on each core, each one accepting a
/// connection, reading its request, answering and closing, then accepting the next into the same socket.
/// Long-lived workers and reused sockets (rather than a task and a socket per connection) keep the server from
/// allocating per connection, so what the run measures is the stack and not the collector.
/// </summary>
internal sealed class StackBenchServer
{
    private readonly FastSocket _listener;
    private readonly ReadOnlyMemory<byte> _response;
    private readonly CancellationToken _stop;
    private readonly int _workersPerCore;

    public StackBenchServer(FastSocket listener, ReadOnlyMemory<byte> response, int workersPerCore, CancellationToken stop)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workersPerCore, 1);
        _listener = listener;
        _response = response;
        _workersPerCore = workersPerCore;
        _stop = stop;
    }

    /// <summary>
    /// Workers a core needs so that accepting never limits the load: every client loop may land on one core
    /// (RSS spreads them, but not evenly), with a floor for small runs.
    /// </summary>
    public static int WorkersPerCore(BenchRunSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Math.Clamp(2 * spec.ClientLoops / spec.ServerCores, 64, 4096);
    }

    public void StartOnEveryCore(FastsocketStack stack)
    {
        foreach (EngineCore core in stack.Cores)
        {
            for (int i = 0; i < _workersPerCore; i++)
            {
                // Posted to the core, so AcceptAsync runs there and opens that core's local listener.
                core.Post(static s => _ = ((StackBenchServer)s!).Worker(), this);
            }
        }
    }

    private async Task Worker()
    {
        byte[] buffer = RequestBuffer.Rent();
        // One socket per worker, released with Disconnect(reuseSocket: true) and handed back to AcceptAsync: the
        // System.Net.Sockets pattern for servers that must not allocate per connection.
        var connection = new FastSocket(_listener.Stack);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    // No token: registering one per accept would put every core on the token's lock. Closing the
                    // listener at the end of the run fails the waiting accepts instead.
                    await _listener.AcceptAsync(connection);
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (System.Net.Sockets.SocketException)
                {
                    return;
                }

                try
                {
                    int received = 0;
                    bool complete = false;
                    while (!complete)
                    {
                        int n = await connection.ReceiveAsync(buffer.AsMemory(received));
                        if (n == 0)
                        {
                            break;
                        }
                        received += n;
                        complete = buffer.AsSpan(0, received).IndexOf(BenchMessages.HeaderEnd) >= 0 || received == buffer.Length;
                    }
                    if (complete)
                    {
                        await connection.SendAsync(_response);
                    }
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // A client that went away: nothing to answer.
                }
                finally
                {
                    // Awaited, not blocking: under the shared designs the connection may live on another core, and
                    // an engine thread that waited for another core could wait for one waiting for it.
                    await connection.DisconnectAsync(reuseSocket: true);
                }
            }
        }
        finally
        {
            connection.Dispose();
            RequestBuffer.Return(buffer);
        }
    }
}
