using System.Net.Sockets;
using Fastsocket.Sockets;

namespace Fastsocket.Cli.Serve;

/// <summary>
/// Serves one connection of the static HTTP server: parses each request head, skips its Content-Length body, answers
/// with the static page, and keeps the connection for the next request unless the request (or its HTTP version)
/// says to close. Pipelined requests already in the buffer are answered in order.
/// </summary>
internal static class HttpConnectionLoop
{
    // Buffers kept per engine thread for the next connections. A connection's loop starts, resumes and ends on its
    // core's thread, so a plain per-thread stack needs no lock; it holds as many as were ever in use at once on that
    // core, up to this many. ArrayPool.Shared keeps too few per size for 64 connections in flight and allocated anew.
    // Room for the 10,000 connections of the high-concurrency run (as the engine keeps its own buffers, up to 65,536 a
    // size): with 1,024, a second wave of 10,000 connections allocated 150 MB of buffers while it connected, and the
    // ten GCs that promoted them (gen1 and gen2, tens of ms each) stalled the engine just as every connection's first
    // request waited in the queue, which put those requests (1 % of a run) at the p99 and drew most of its TLPs.
    private const int MaxCachedBuffersPerThread = 16384;

    [ThreadStatic]
    private static Stack<byte[]>? t_buffers;

    private static byte[] RentBuffer() =>
        t_buffers is { Count: > 0 } buffers ? buffers.Pop() : GC.AllocateUninitializedArray<byte>(HttpRequestHead.MaxHeadLength);

    private static void ReturnBuffer(byte[] buffer)
    {
        Stack<byte[]> buffers = t_buffers ??= new Stack<byte[]>();
        if (buffers.Count < MaxCachedBuffersPerThread)
        {
            buffers.Push(buffer);
        }
    }

    public static async Task RunAsync(FastSocket connection, ServeCounters counters, CancellationToken stop)
    {
        Interlocked.Increment(ref counters.Connections);
        // Reused, not new: a fresh 16 KiB array per connection was zeroed and collected at every connection's cost.
        byte[] buffer = RentBuffer();
        int received = 0;
        try
        {
            while (true)
            {
                HttpParseStatus status = HttpRequestHead.TryParse(buffer.AsSpan(0, received), out HttpRequestHead head);
                if (status == HttpParseStatus.Incomplete)
                {
                    int n = await connection.ReceiveAsync(buffer.AsMemory(received), stop);
                    if (n == 0)
                    {
                        return;
                    }
                    received += n;
                    continue;
                }
                if (status == HttpParseStatus.Bad)
                {
                    Interlocked.Increment(ref counters.BadRequests);
                    await connection.SendAsync(StaticResponses.BadRequest, stop);
                    return;
                }

                // Drop the head and as much of the body as arrived with it; read past the rest.
                int consumed = head.HeadLength;
                long bodyLeft = head.ContentLength;
                int inBuffer = (int)Math.Min(bodyLeft, received - consumed);
                consumed += inBuffer;
                bodyLeft -= inBuffer;
                buffer.AsSpan(consumed, received - consumed).CopyTo(buffer);
                received -= consumed;
                while (bodyLeft > 0)
                {
                    int n = await connection.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(bodyLeft, buffer.Length)), stop);
                    if (n == 0)
                    {
                        return;
                    }
                    bodyLeft -= n;
                }

                await connection.SendAsync(StaticResponses.For(head), stop);
                Interlocked.Increment(ref counters.Requests);
                if (!head.KeepAlive)
                {
                    return;
                }
            }
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
            // Close sends FIN after the response (the server closes first, so TIME-WAIT stays with us, as with nginx).
            connection.Dispose();
            ReturnBuffer(buffer);
        }
    }
}
