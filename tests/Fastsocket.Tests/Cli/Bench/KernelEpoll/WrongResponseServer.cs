using System.Net;
using System.Net.Sockets;

namespace Fastsocket.Tests.Cli.Bench.KernelEpoll;

/// <summary>
/// A loopback server for a bounded number of connections that reads each request and answers with given bytes, then
/// closes: given a response that differs from the bench's, it shows that a client rejects it.
/// </summary>
internal sealed class WrongResponseServer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Thread _thread;
    private readonly byte[] _response;
    private readonly int _connections;

    public WrongResponseServer(byte[] response, int connections)
    {
        _response = response;
        _connections = connections;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _thread = new Thread(Serve) { IsBackground = true };
        _thread.Start();
    }

    public int Port { get; }

    public int Served { get; private set; }

    private void Serve()
    {
        var buffer = new byte[4096];
        try
        {
            for (int i = 0; i < _connections; i++)
            {
                using Socket connection = _listener.Accept();
                connection.ReceiveTimeout = 10_000;
                int length = 0;
                while (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
                {
                    int n = connection.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
                    if (n == 0)
                    {
                        break;
                    }

                    length += n;
                }

                connection.Send(_response);
                Served++;
            }
        }
        catch (SocketException)
        {
            // The listener was closed by Dispose.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _thread.Join(TimeSpan.FromSeconds(10));
    }
}
