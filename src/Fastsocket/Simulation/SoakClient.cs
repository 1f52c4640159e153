using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.Simulation;

/// <summary>
/// The client side of the soak on one link: runs the scenarios (each one connection) and says how each ended.
/// SocketExceptions and our own stall guard become outcomes; any other exception is left to the caller, which counts
/// it as unhandled.
/// </summary>
internal sealed class SoakClient
{
    /// <summary>Longest one connection may take before it counts as stalled (failed).</summary>
    private static readonly TimeSpan StallGuard = TimeSpan.FromSeconds(120);

    private readonly FastsocketStack _stack;
    private readonly IPEndPoint _server;
    private readonly IPEndPoint _closedPort;
    private readonly IPEndPoint _blackHole;
    private readonly SoakTally _tally;
    private readonly CancellationToken _hardStop;
    private readonly long _maxBulkBytes;

    public SoakClient(FastsocketStack stack, IPEndPoint server, IPEndPoint closedPort, IPEndPoint blackHole, long maxBulkBytes,
        SoakTally tally, CancellationToken hardStop)
    {
        _stack = stack;
        _server = server;
        _closedPort = closedPort;
        _blackHole = blackHole;
        _maxBulkBytes = maxBulkBytes;
        _tally = tally;
        _hardStop = hardStop;
    }

    /// <summary>Picks a scenario with <paramref name="random"/> and runs it; the outcome is counted.</summary>
    public async Task RunOneAsync(Random random)
    {
        int pick = random.Next(100);
        SoakOutcome outcome;
        if (pick < 45)
        {
            byte[] payload = new byte[random.Next(1, 4097)];
            random.NextBytes(payload);
            outcome = await GuardedAsync("echo", expectReset: false, (s, ct) => EchoAsync(s, payload, ct));
        }
        else if (pick < 57)
        {
            long bytes = random.NextInt64(_maxBulkBytes / 8, _maxBulkBytes + 1);
            int seed = random.Next();
            outcome = await GuardedAsync("upload", expectReset: false, (s, ct) => UploadAsync(s, bytes, seed, ct));
        }
        else if (pick < 69)
        {
            long bytes = random.NextInt64(_maxBulkBytes / 8, _maxBulkBytes + 1);
            int seed = random.Next();
            outcome = await GuardedAsync("download", expectReset: false, (s, ct) => DownloadAsync(s, bytes, seed, ct));
        }
        else if (pick < 79)
        {
            long readBefore = random.NextInt64(16 * 1024, 1024 * 1024);
            int seed = random.Next();
            outcome = await GuardedAsync("client-abort", expectReset: false, (s, ct) => ClientAbortAsync(s, readBefore, seed, ct));
        }
        else if (pick < 89)
        {
            long abortAfter = random.NextInt64(16 * 1024, 512 * 1024);
            int seed = random.Next();
            outcome = await GuardedAsync("server-abort", expectReset: true, (s, ct) => ServerAbortAsync(s, abortAfter, seed, ct));
        }
        else if (pick < 98)
        {
            outcome = await GuardedAsync("refused", expectReset: true, ConnectExpectingErrorAsync(_closedPort));
        }
        else
        {
            outcome = await GuardedAsync("black-hole", expectReset: false, ConnectExpectingErrorAsync(_blackHole));
        }
        _tally.Count(outcome);
    }

    /// <summary>Opens a long idle connection: connected, request sent, nothing more until <see cref="CloseIdleAsync"/>.</summary>
    public async Task<FastSocket?> OpenIdleAsync()
    {
        var socket = new FastSocket(_stack);
        try
        {
            using var guard = CancellationTokenSource.CreateLinkedTokenSource(_hardStop);
            guard.CancelAfter(StallGuard);
            await socket.ConnectAsync(_server, guard.Token);
            byte[] header = new byte[SoakRequest.Length];
            new SoakRequest(SoakOperation.Idle, 0, 0).WriteTo(header);
            await socket.SendAsync(header, guard.Token);
            return socket;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            _tally.ClientFailure("idle-open", e.Message);
            _tally.Count(e is SocketException { SocketErrorCode: SocketError.TimedOut } ? SoakOutcome.TimedOut : SoakOutcome.Failed);
            Abort(socket);
            return null;
        }
    }

    /// <summary>Ends an idle connection: one byte must still echo after the long silence, then a graceful close.</summary>
    public async Task CloseIdleAsync(FastSocket socket)
    {
        SoakOutcome outcome = await GuardedAsync("idle", expectReset: false, async (s, ct) =>
        {
            byte[] ping = [0x5A];
            await s.SendAsync(ping, ct);
            byte[] pong = new byte[1];
            if (!await SoakIo.ReadExactlyAsync(s, pong, ct) || pong[0] != ping[0])
            {
                return Fail("idle", "the idle connection did not echo");
            }
            s.Shutdown(SocketShutdown.Send);
            if (await SoakIo.ReadToEndAsync(s, null, new byte[16], ct) != 0)
            {
                return Fail("idle", "unexpected bytes after the echo");
            }
            return SoakOutcome.Completed;
        }, socket);
        _tally.Count(outcome);
    }

    private async Task<SoakOutcome> EchoAsync(FastSocket socket, byte[] payload, CancellationToken ct)
    {
        await socket.ConnectAsync(_server, ct);
        byte[] message = new byte[SoakRequest.Length + payload.Length];
        new SoakRequest(SoakOperation.Echo, payload.Length, 0).WriteTo(message);
        payload.CopyTo(message, SoakRequest.Length);
        await socket.SendAsync(message, ct);
        byte[] reply = new byte[payload.Length];
        if (!await SoakIo.ReadExactlyAsync(socket, reply, ct))
        {
            return Fail("echo", "stream ended inside the reply");
        }
        if (!reply.AsSpan().SequenceEqual(payload))
        {
            return Fail("echo", "the reply differs from the request");
        }
        socket.Shutdown(SocketShutdown.Send);
        if (await SoakIo.ReadToEndAsync(socket, null, new byte[64], ct) != 0)
        {
            return Fail("echo", "bytes after the reply");
        }
        _tally.Verified(payload.Length);
        return SoakOutcome.Completed;
    }

    private async Task<SoakOutcome> UploadAsync(FastSocket socket, long bytes, int seed, CancellationToken ct)
    {
        await socket.ConnectAsync(_server, ct);
        await SendRequestAsync(socket, new SoakRequest(SoakOperation.Upload, bytes, seed), ct);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await SoakIo.SendPatternAsync(socket, seed, bytes, hash, new byte[SoakIo.ChunkSize], ct);
        socket.Shutdown(SocketShutdown.Send);
        byte[] sent = hash.GetHashAndReset();
        byte[] reply = new byte[sent.Length + 1];
        if (!await SoakIo.ReadExactlyAsync(socket, reply, ct))
        {
            return Fail("upload", "stream ended inside the digest");
        }
        if (!reply.AsSpan(0, sent.Length).SequenceEqual(sent) || reply[^1] != 1)
        {
            return Fail("upload", $"SHA-256 of {bytes} bytes differs at the server");
        }
        if (await SoakIo.ReadToEndAsync(socket, null, new byte[64], ct) != 0)
        {
            return Fail("upload", "bytes after the digest");
        }
        _tally.Verified(bytes);
        return SoakOutcome.Completed;
    }

    private async Task<SoakOutcome> DownloadAsync(FastSocket socket, long bytes, int seed, CancellationToken ct)
    {
        Task<byte[]> expected = Task.Run(() => SoakIo.PatternDigest(seed, bytes), ct);
        await socket.ConnectAsync(_server, ct);
        await SendRequestAsync(socket, new SoakRequest(SoakOperation.Download, bytes, seed), ct);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long received = await SoakIo.ReadToEndAsync(socket, hash, new byte[SoakIo.ChunkSize], ct);
        if (received != bytes)
        {
            return Fail("download", $"received {received} of {bytes} bytes");
        }
        byte[] digest = hash.GetHashAndReset();
        byte[] wanted = await expected;
        if (!digest.AsSpan().SequenceEqual(wanted))
        {
            return Fail("download", $"SHA-256 of {bytes} bytes differs");
        }
        _tally.Verified(bytes);
        return SoakOutcome.Completed;
    }

    private async Task<SoakOutcome> ClientAbortAsync(FastSocket socket, long readBefore, int seed, CancellationToken ct)
    {
        await socket.ConnectAsync(_server, ct);
        await SendRequestAsync(socket, new SoakRequest(SoakOperation.DownloadUntilReset, 1L << 40, seed), ct);
        byte[] buffer = new byte[SoakIo.ChunkSize];
        long received = 0;
        while (received < readBefore)
        {
            int n = await socket.ReceiveAsync(buffer, ct);
            if (n == 0)
            {
                return Fail("client-abort", "stream ended before the abort point");
            }
            received += n;
        }
        Abort(socket);
        return SoakOutcome.Aborted;
    }

    private async Task<SoakOutcome> ServerAbortAsync(FastSocket socket, long abortAfter, int seed, CancellationToken ct)
    {
        await socket.ConnectAsync(_server, ct);
        await SendRequestAsync(socket, new SoakRequest(SoakOperation.ServerAborts, abortAfter, seed), ct);
        // Keeps sending far past the abort point: the server's reset must end this with ConnectionReset.
        await SoakIo.SendPatternAsync(socket, seed, 1L << 32, null, new byte[SoakIo.ChunkSize], ct);
        return Fail("server-abort", "4 GiB sent without the server's reset");
    }

    private Func<FastSocket, CancellationToken, Task<SoakOutcome>> ConnectExpectingErrorAsync(IPEndPoint target) => async (socket, ct) =>
    {
        await socket.ConnectAsync(target, ct);
        return Fail("connect", $"connected to {target}, which should not answer");
    };

    private static async Task SendRequestAsync(FastSocket socket, SoakRequest request, CancellationToken ct)
    {
        byte[] header = new byte[SoakRequest.Length];
        request.WriteTo(header);
        await socket.SendAsync(header, ct);
    }

    /// <summary>
    /// Runs one scenario on a new socket (or <paramref name="existing"/>) under the stall guard and turns socket errors
    /// into outcomes: TimedOut is timed_out; a reset or refusal is reset where expected; anything else failed.
    /// </summary>
    private async Task<SoakOutcome> GuardedAsync(string scenario, bool expectReset,
        Func<FastSocket, CancellationToken, Task<SoakOutcome>> body, FastSocket? existing = null)
    {
        FastSocket socket = existing ?? new FastSocket(_stack);
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(_hardStop);
        guard.CancelAfter(StallGuard);
        try
        {
            SoakOutcome outcome = await body(socket, guard.Token);
            if (outcome == SoakOutcome.Failed)
            {
                Abort(socket);
            }
            return outcome;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            return SoakOutcome.TimedOut;
        }
        catch (SocketException e) when (expectReset && e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
        {
            return SoakOutcome.Reset;
        }
        catch (SocketException e)
        {
            Abort(socket);
            return Fail(scenario, $"socket error {e.SocketErrorCode}");
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested)
        {
            Abort(socket);
            return Fail(scenario, _hardStop.IsCancellationRequested ? "still running when the drain allowance ran out" : $"stalled for {StallGuard.TotalSeconds} s");
        }
        finally
        {
            socket.Dispose();
        }
    }

    private SoakOutcome Fail(string scenario, string what)
    {
        _tally.ClientFailure(scenario, what);
        return SoakOutcome.Failed;
    }

    /// <summary>Resets the connection (SO_LINGER 0, then close): RST instead of FIN.</summary>
    private static void Abort(FastSocket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (ObjectDisposedException)
        {
        }
        socket.Dispose();
    }
}
