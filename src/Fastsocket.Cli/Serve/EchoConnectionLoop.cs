using System.Net.Sockets;
using Fastsocket.Sockets;

namespace Fastsocket.Cli.Serve;

/// <summary>Echoes everything a connection sends until the peer half-closes, then half-closes too.</summary>
internal static class EchoConnectionLoop
{
    public static async Task RunAsync(FastSocket connection, ServeCounters counters, CancellationToken stop)
    {
        Interlocked.Increment(ref counters.Connections);
        byte[] buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await connection.ReceiveAsync(buffer, stop)) > 0)
            {
                await connection.SendAsync(buffer.AsMemory(0, n), stop);
                Interlocked.Add(ref counters.EchoedBytes, n);
            }
            connection.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref counters.ConnectionErrors);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            connection.Dispose();
        }
    }
}
