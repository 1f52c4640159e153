using System.Net.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Tests.Stack;

namespace Fastsocket.Tests.Support;

/// <summary>
/// The short-connection client of the engine-level tests (the peer of <see cref="AnswerAndCloseServer"/>): connects
/// from the calling engine's core, sends the request, reads to the end and closes; then asks its owner, through
/// <paramref name="finished"/> (called with whether the connection failed), whether to open the next one. One
/// instance per client core, since its read buffer is per instance.
/// </summary>
public sealed class RequestAndReadClient(ushort port, byte[] request, Func<bool, bool> finished) : ITcpConnectionHandler
{
    private readonly byte[] _buffer = new byte[1024];

    /// <summary>Opens one connection to the server of <see cref="StackPair"/>; call it on a client engine's core.</summary>
    public void Connect() => EngineCore.Current!.Engine.Connect(StackPair.ServerAddress, port, this);

    /// <inheritdoc/>
    public void OnConnected(TcpConnection connection, SocketError error)
    {
        if (error != SocketError.Success)
        {
            Finish(error: true);
            return;
        }
        connection.Write(request);
    }

    /// <inheritdoc/>
    public void OnReadable(TcpConnection connection)
    {
        while (connection.Read(_buffer) > 0)
        {
        }
        if (connection.ReceiveCompleted)
        {
            connection.Close();
            Finish(error: false);
        }
    }

    /// <inheritdoc/>
    public void OnWritable(TcpConnection connection)
    {
    }

    /// <inheritdoc/>
    public void OnClosed(TcpConnection connection, SocketError error)
    {
        if (error != SocketError.Success)
        {
            Finish(error: true);
        }
    }

    private void Finish(bool error)
    {
        if (finished(error))
        {
            Connect();
        }
    }
}
