using System.Net.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;

namespace Fastsocket.Tests.Support;

/// <summary>Records what the engine told the application, in order, for assertions.</summary>
public sealed class RecordingHandler : ITcpConnectionHandler, IListenerHandler
{
    public List<string> Events { get; } = new();

    public Listener? Listener { get; private set; }

    public SocketError? ConnectResult { get; private set; }

    public SocketError? CloseResult { get; private set; }

    public int ReadableCount { get; private set; }

    public void OnAcceptable(Listener listener)
    {
        Listener = listener;
        Events.Add("acceptable");
    }

    public void OnConnected(TcpConnection connection, SocketError error)
    {
        ConnectResult = error;
        Events.Add($"connected:{error}");
    }

    public void OnReadable(TcpConnection connection)
    {
        ReadableCount++;
        Events.Add("readable");
    }

    public void OnWritable(TcpConnection connection) => Events.Add("writable");

    public void OnClosed(TcpConnection connection, SocketError error)
    {
        CloseResult = error;
        Events.Add($"closed:{error}");
    }
}
