using System.Net.Sockets;

namespace Fastsocket.Tcp;

/// <summary>
/// The application side of a connection, called on the owning engine's thread. An interface rather than events
/// so that wiring a connection allocates nothing.
/// </summary>
public interface ITcpConnectionHandler
{
    /// <summary>An active open completed (or failed: <paramref name="error"/> is not Success).</summary>
    void OnConnected(TcpConnection connection, SocketError error);

    /// <summary>New bytes are readable, or the peer closed its side (Read then returns 0).</summary>
    void OnReadable(TcpConnection connection);

    /// <summary>Send-buffer space was freed.</summary>
    void OnWritable(TcpConnection connection);

    /// <summary>The connection is gone (closed cleanly, reset, or timed out).</summary>
    void OnClosed(TcpConnection connection, SocketError error);
}
