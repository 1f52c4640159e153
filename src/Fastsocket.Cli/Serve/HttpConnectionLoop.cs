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
    // Buffers kept per engine thread for the next connections, one stack per size. A connection's loop starts,
    // resumes and ends on its core's thread, so a plain per-thread stack needs no lock; it holds as many as were ever
    // in use at once on that core, up to this many. ArrayPool.Shared keeps too few per size for 64 connections in
    // flight and allocated anew. Room for the 10,000 connections of the high-concurrency run.
    private const int MaxCachedBuffersPerThread = 16384;

    // A connection starts with a small buffer and moves to one of HttpRequestHead.MaxHeadLength only for a head that
    // does not fit (nginx: client_header_buffer_size 1k, then large_client_header_buffers). Each keep-alive connection
    // holds its buffer for its life: at 16 KiB each, 10,000 connections opening at once allocated 160 MB, and the
    // collections promoted (copied) it while every connection's first request waited in the queue. Small first, the
    // ramp allocates half as much, with half the collections.
    internal const int SmallBufferLength = 1024;

    [ThreadStatic]
    private static Stack<byte[]>? t_smallBuffers;

    [ThreadStatic]
    private static Stack<byte[]>? t_largeBuffers;

    private static byte[] RentBuffer(int length)
    {
        Stack<byte[]>? buffers = length == SmallBufferLength ? t_smallBuffers : t_largeBuffers;
        return buffers is { Count: > 0 } ? buffers.Pop() : GC.AllocateUninitializedArray<byte>(length);
    }

    private static void ReturnBuffer(byte[] buffer)
    {
        Stack<byte[]> buffers = buffer.Length == SmallBufferLength
            ? t_smallBuffers ??= new Stack<byte[]>()
            : t_largeBuffers ??= new Stack<byte[]>();
        if (buffers.Count < MaxCachedBuffersPerThread)
        {
            buffers.Push(buffer);
        }
    }

    public static async Task RunAsync(FastSocket connection, ServeCounters counters, CancellationToken stop)
    {
        Interlocked.Increment(ref counters.Connections);
        // Reused, not new: a fresh array per connection was zeroed and collected at every connection's cost.
        byte[] buffer = RentBuffer(SmallBufferLength);
        int received = 0;
        try
        {
            while (true)
            {
                HttpParseStatus status = HttpRequestHead.TryParse(buffer.AsSpan(0, received), out HttpRequestHead head);
                if (status == HttpParseStatus.Incomplete)
                {
                    if (received == buffer.Length)
                    {
                        // A head longer than the small buffer (TryParse refuses one that fills the large one).
                        byte[] large = RentBuffer(HttpRequestHead.MaxHeadLength);
                        buffer.AsSpan(0, received).CopyTo(large);
                        ReturnBuffer(buffer);
                        buffer = large;
                    }
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
