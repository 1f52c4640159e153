using System.Net.Sockets;
using System.Security.Cryptography;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Simulation;

/// <summary>The sending application of a transfer: writes a pattern stream as fast as the connection takes it, hashing what it wrote, then closes.</summary>
internal sealed class BulkSender : ITcpConnectionHandler
{
    private readonly long _total;
    private readonly PatternSource _source;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private TcpConnection? _connection;
    private bool _connected;
    private volatile bool _completed;
    private volatile string? _error;

    public BulkSender(long total, int seed)
    {
        _total = total;
        _source = new PatternSource(seed);
        // The stream is a function of the seed, so its digest is known before anything is sent; computing it here,
        // before the clock starts, keeps SHA-256 out of the measured time (the receiver hashes what really arrived).
        var expected = new PatternSource(seed);
        long remaining = total;
        while (remaining > 0)
        {
            ReadOnlySpan<byte> chunk = expected.Peek((int)Math.Min(remaining, 1 << 20));
            _hash.AppendData(chunk);
            expected.Consume(chunk.Length);
            remaining -= chunk.Length;
        }
        Sha256Hex = Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public bool Completed => _completed;

    public string? Error => _error;

    public string Sha256Hex { get; private set; } = "";

    public void Start(NetworkEngine engine, IpAddress server, ushort port)
    {
        _connection = engine.Connect(server, port, this);
    }

    /// <summary>Writes what the send buffer takes; returns bytes written (the engine loop's measure of work).</summary>
    public int Pump()
    {
        TcpConnection? c = _connection;
        if (c is null || !_connected || _completed)
        {
            return 0;
        }
        int written = 0;
        while (_source.Position < _total)
        {
            ReadOnlySpan<byte> chunk = _source.Peek((int)Math.Min(_total - _source.Position, 64 * 1024));
            int n = c.Write(chunk);
            if (n <= 0)
            {
                if (n < 0)
                {
                    _error = $"write failed: {c.Error}";
                }
                break;
            }
            _source.Consume(n);
            written += n;
        }
        if (_source.Position == _total)
        {
            _completed = true;
            c.Shutdown();
        }
        return written;
    }

    public void OnConnected(TcpConnection connection, SocketError error)
    {
        if (error != SocketError.Success)
        {
            _error = $"connect failed: {error}";
            return;
        }
        _connected = true;
        Pump();
    }

    public void OnReadable(TcpConnection connection)
    {
        if (connection.ReceiveCompleted)
        {
            connection.Close();
            _connection = null;
        }
    }

    public void OnWritable(TcpConnection connection) => Pump();

    public void OnClosed(TcpConnection connection, SocketError error)
    {
        if (error != SocketError.Success && !_completed)
        {
            _error = $"connection closed: {error}";
        }
    }
}
