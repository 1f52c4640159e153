using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Bench;

/// <summary>
/// HTTP load from the stack: <c>connections</c> loops spread over the engine cores, each running one short-lived
/// connection per request (connect, GET with <c>Connection: close</c>, read to end of stream, close), until the
/// request count or the deadline is reached. Our ports are Receive Flow Deliver ports, so every reply comes back
/// to the core that opened the connection. A request succeeds when the status line says 2xx and the server
/// closed after the response.
/// </summary>
public sealed class HttpLoadClient
{
    private const int StatusPrefix = 16;

    private readonly FastsocketStack _stack;
    private readonly IPEndPoint _server;
    private readonly byte[] _request;
    private readonly long _maxRequests;
    private readonly long _deadline;
    private readonly TimeSpan _requestTimeout;
    private readonly CancellationToken _stop;
    private readonly BenchLatencyRecorder _latency = new();
    private long _issued;
    private long _completed;
    private long _connectErrors;
    private long _readErrors;
    private long _statusErrors;
    private long _timeouts;

    /// <summary>
    /// A client that requests <paramref name="url"/> (an IPv4 literal host) through <paramref name="stack"/> until
    /// <paramref name="maxRequests"/> have been issued or <paramref name="duration"/> has passed, each request failing
    /// after <paramref name="requestTimeout"/>; <paramref name="stop"/> ends it early.
    /// </summary>
    public HttpLoadClient(FastsocketStack stack, Uri url, long maxRequests, TimeSpan duration, TimeSpan requestTimeout, CancellationToken stop)
    {
        _stack = stack;
        _server = new IPEndPoint(IPAddress.Parse(url.Host), url.Port);
        _request = Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUser-Agent: fastsocket-load\r\nConnection: close\r\n\r\n");
        _maxRequests = maxRequests;
        _deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        _requestTimeout = requestTimeout;
        _stop = stop;
    }

    /// <summary>Requests answered with 2xx so far.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Requests failed so far, of every kind.</summary>
    public long Errors => Interlocked.Read(ref _connectErrors) + Interlocked.Read(ref _readErrors) +
        Interlocked.Read(ref _statusErrors) + Interlocked.Read(ref _timeouts);

    /// <summary>Runs <paramref name="connections"/> request loops spread over the stack's cores until done; returns what they measured.</summary>
    public HttpLoadOutcome Run(int connections)
    {
        long start = Stopwatch.GetTimestamp();
        var loops = new List<Task>(connections);
        for (int i = 0; i < connections; i++)
        {
            EngineCore core = _stack.Cores[i % _stack.CoreCount];
            // Started on the core, so the connection opens there and takes one of that core's ports.
            loops.Add(core.InvokeAsync(Loop).Unwrap());
        }
        Task.WhenAll(loops).Wait(CancellationToken.None);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new HttpLoadOutcome(Completed, Interlocked.Read(ref _connectErrors), Interlocked.Read(ref _readErrors),
            Interlocked.Read(ref _statusErrors), Interlocked.Read(ref _timeouts), seconds, _latency);
    }

    private async Task Loop()
    {
        byte[] buffer = new byte[4096];
        while (!_stop.IsCancellationRequested && Stopwatch.GetTimestamp() < _deadline &&
               Interlocked.Increment(ref _issued) <= _maxRequests)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (await OneRequest(buffer))
            {
                _latency.RecordTicks(t0, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref _completed);
            }
        }
    }

    private async Task<bool> OneRequest(byte[] buffer)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop);
        timeout.CancelAfter(_requestTimeout);
        var socket = new FastSocket(_stack) { NoDelay = true };
        bool connected = false;
        try
        {
            await socket.ConnectAsync(_server, timeout.Token);
            connected = true;
            await socket.SendAsync(_request, timeout.Token);
            int total = 0;
            int n;
            // The status line is all we check: once its first bytes are in, later reads reuse the rest of the buffer.
            while ((n = await socket.ReceiveAsync(buffer.AsMemory(Math.Min(total, StatusPrefix)), timeout.Token)) > 0)
            {
                total += n;
            }
            if (total < 12 || !IsSuccessStatus(buffer.AsSpan(0, Math.Min(total, StatusPrefix))))
            {
                Interlocked.Increment(ref _statusErrors);
                return false;
            }
            return true;
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref connected ? ref _readErrors : ref _connectErrors);
            return false;
        }
        catch (OperationCanceledException)
        {
            // A run stopped by Ctrl-C does not count its in-flight requests as failures.
            if (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _timeouts);
            }
            return false;
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>"HTTP/1.x 2xx" at the start of the response.</summary>
    private static bool IsSuccessStatus(ReadOnlySpan<byte> response) =>
        response.StartsWith("HTTP/1."u8) && response.Length >= 12 && response[8] == (byte)' ' && response[9] == (byte)'2';
}
