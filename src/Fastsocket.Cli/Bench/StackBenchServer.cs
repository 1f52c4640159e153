using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Cli.Bench;

/// <summary>The benchmark's HTTP server on Fastsocket.NET: an accept loop per core; each connection reads one request, answers and closes.</summary>
internal sealed class StackBenchServer
{
    private readonly FastSocket _listener;
    private readonly ReadOnlyMemory<byte> _response;
    private readonly CancellationToken _stop;

    public StackBenchServer(FastSocket listener, ReadOnlyMemory<byte> response, CancellationToken stop)
    {
        _listener = listener;
        _response = response;
        _stop = stop;
    }

    public void StartOnEveryCore(FastsocketStack stack)
    {
        foreach (EngineCore core in stack.Cores)
        {
            // Posted to the core, so AcceptAsync runs there and opens that core's local listener.
            core.Post(static s => _ = ((StackBenchServer)s!).AcceptLoop(), this);
        }
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            FastSocket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return;
            }
            _ = Serve(connection);
        }
    }

    private async Task Serve(FastSocket connection)
    {
        byte[] buffer = RequestBuffer.Rent();
        try
        {
            int received = 0;
            while (true)
            {
                int n = await connection.ReceiveAsync(buffer.AsMemory(received));
                if (n == 0)
                {
                    return;
                }
                received += n;
                if (buffer.AsSpan(0, received).IndexOf(BenchMessages.HeaderEnd) >= 0 || received == buffer.Length)
                {
                    break;
                }
            }
            await connection.SendAsync(_response);
        }
        catch (System.Net.Sockets.SocketException)
        {
            // A client that went away: nothing to answer.
        }
        finally
        {
            RequestBuffer.Return(buffer);
            connection.Dispose();
        }
    }
}
