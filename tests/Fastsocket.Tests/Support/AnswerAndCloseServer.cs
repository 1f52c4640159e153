using System.Net.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;

namespace Fastsocket.Tests.Support;

/// <summary>
/// The short-connection server of the engine-level tests: accepts, waits for the whole request, answers and closes
/// first, on whichever core hears of the connection, and counts what it served. One instance may serve every core:
/// its buffer is per instance, so tests give each core its own.
/// </summary>
public sealed class AnswerAndCloseServer(int requestLength, byte[] response, Action onServed) : IListenerHandler, ITcpConnectionHandler
{
    private readonly byte[] _buffer = new byte[Math.Max(requestLength, 256)];

    /// <inheritdoc/>
    public void OnAcceptable(Listener listener)
    {
        while (listener.TryAccept(out TcpConnection? connection))
        {
            connection!.Handler = this;
            OnReadable(connection);
        }
    }

    /// <inheritdoc/>
    public void OnReadable(TcpConnection connection)
    {
        if (connection.Readable < requestLength)
        {
            return;
        }
        connection.Read(_buffer);
        connection.Write(response);
        connection.Close();
        onServed();
    }

    /// <inheritdoc/>
    public void OnConnected(TcpConnection connection, SocketError error)
    {
    }

    /// <inheritdoc/>
    public void OnWritable(TcpConnection connection)
    {
    }

    /// <inheritdoc/>
    public void OnClosed(TcpConnection connection, SocketError error)
    {
    }
}
