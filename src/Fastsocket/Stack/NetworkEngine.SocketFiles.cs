using System.Net.Sockets;
using Fastsocket.Tcp;

namespace Fastsocket.Stack;

/// <summary>
/// The socket layer's files: without light sockets every socket the application holds has a descriptor and an
/// inode/dentry record in the stack's <see cref="SharedSocketVfs"/>, opened by connect (here) or accept
/// (<see cref="Listener"/>) and closed by the application's close.
/// </summary>
public sealed partial class NetworkEngine
{
    /// <summary>socket(2)'s VFS half for an active connection, counted on this core; nothing with light sockets.</summary>
    private void OpenSocketFile(TcpConnection connection)
    {
        if (_files is not null)
        {
            connection.HostDescriptor = _files.Open(connection, Statistics);
        }
    }

    void ITcpHost.OnApplicationClosed(TcpConnection connection) => CloseSocketFile(connection);

    /// <summary>close(2)'s VFS half: the descriptor and the inode/dentry record go, the protocol may go on (FIN, TIME-WAIT).</summary>
    private void CloseSocketFile(TcpConnection connection)
    {
        int descriptor = connection.HostDescriptor;
        if (descriptor >= 0 && _files is not null)
        {
            connection.HostDescriptor = -1;
            _files.Close(descriptor, Statistics);
        }
    }

    /// <summary>
    /// A connect that failed (refused, timed out, unreachable) is reported through OnConnected and dropped by the socket
    /// layer, which never closes it: its file is closed here, as the application's close of the failed socket would.
    /// </summary>
    private void CloseFileOfFailedConnect(TcpConnection connection)
    {
        if (connection.HostDescriptor < 0 || connection.ApplicationReleased || !connection.OpenedActively)
        {
            return;
        }
        bool neverSynchronized = connection.Error == SocketError.ConnectionRefused ||
            (connection.Error != SocketError.Success && connection.SendUnacknowledged == connection.InitialSendSequence);
        if (neverSynchronized)
        {
            CloseSocketFile(connection);
        }
    }
}
