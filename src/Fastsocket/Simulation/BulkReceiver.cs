using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using Fastsocket.Stack;
using Fastsocket.Tcp;

namespace Fastsocket.Simulation;

/// <summary>The receiving application of a transfer: accepts one connection, hashes everything it reads until end of stream.</summary>
internal sealed class BulkReceiver : IListenerHandler, ITcpConnectionHandler
{
    private readonly byte[] _buffer = new byte[256 * 1024];
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Stopwatch _stopwatch = new();
    private readonly NetworkEngine _engine;
    private long _bytes;
    private volatile bool _completed;
    private volatile string? _error;

    public BulkReceiver(NetworkEngine engine)
    {
        _engine = engine;
    }

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
        while ((n = connection.Read(_buffer)) > 0)
        {
            _hash.AppendData(_buffer.AsSpan(0, n));
            Volatile.Write(ref _bytes, _bytes + n);
        }
        if (connection.ReceiveCompleted && !_completed)
        {
            _stopwatch.Stop();
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
