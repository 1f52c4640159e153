using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using Fastsocket.Stack;
using Fastsocket.Tcp;

namespace Fastsocket.Simulation;

/// <summary>
/// The receiving application of a transfer: accepts one connection and reads until end of stream. Up to
/// <see cref="StoreLimit"/> bytes it reads straight into one array and hashes it after the clock stops, so the
/// measured time is the network's and SHA-256 (1.4 GB/s on the development machine) does not cap it; larger
/// transfers are hashed as they are read.
/// </summary>
internal sealed class BulkReceiver : IListenerHandler, ITcpConnectionHandler
{
    public const long StoreLimit = 1L << 30;

    private readonly byte[] _buffer;
    private readonly bool _store;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Stopwatch _stopwatch = new();
    private readonly NetworkEngine _engine;
    private long _bytes;
    private volatile bool _completed;
    private volatile string? _error;

    public BulkReceiver(NetworkEngine engine, long expectedBytes)
    {
        _engine = engine;
        _store = expectedBytes <= StoreLimit;
        _buffer = _store ? GC.AllocateUninitializedArray<byte>((int)expectedBytes) : new byte[256 * 1024];
        if (_store)
        {
            // Touch every page now, before the clock starts: first-touch page faults would otherwise be timed.
            _buffer.AsSpan().Clear();
        }
    }

    /// <summary>Seconds spent hashing after the transfer, when the bytes were stored.</summary>
    public double VerifySeconds { get; private set; }

    public long BytesReceived => Volatile.Read(ref _bytes);

    public bool Completed => _completed;

    public string? Error => _error;

    public string Sha256Hex { get; private set; } = "";

    public double ElapsedSeconds => _stopwatch.Elapsed.TotalSeconds;

    public void Fail(string reason) => _error = reason;

    public void OnAcceptable(Listener listener)
    {
        while (listener.TryAccept(out TcpConnection? connection))
        {
            _stopwatch.Start();
            connection!.Handler = this;
            OnReadable(connection);
        }
    }

    public void OnConnected(TcpConnection connection, SocketError error)
    {
    }

    public void OnReadable(TcpConnection connection)
    {
        int n;
        if (_store)
        {
            while (_bytes < _buffer.Length && (n = connection.Read(_buffer.AsSpan((int)_bytes))) > 0)
            {
                Volatile.Write(ref _bytes, _bytes + n);
            }
            if (_bytes == _buffer.Length && connection.Readable > 0)
            {
                _error = "the sender sent more bytes than announced";
            }
        }
        else
        {
            while ((n = connection.Read(_buffer)) > 0)
            {
                _hash.AppendData(_buffer.AsSpan(0, n));
                Volatile.Write(ref _bytes, _bytes + n);
            }
        }
        if (connection.ReceiveCompleted && !_completed)
        {
            _stopwatch.Stop();
            if (_store)
            {
                long start = Stopwatch.GetTimestamp();
                _hash.AppendData(_buffer.AsSpan(0, (int)_bytes));
                VerifySeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            Sha256Hex = Convert.ToHexStringLower(_hash.GetHashAndReset());
            connection.Close();
            _completed = true;
        }
    }

    public void OnWritable(TcpConnection connection)
    {
    }

    public void OnClosed(TcpConnection connection, SocketError error)
    {
        if (!_completed)
        {
            _error = $"connection closed before end of stream: {error}";
        }
    }
}
