using System.Net.Sockets;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Bench;

/// <summary>
/// Opens a number of established connections from the client stack to the server stack and keeps them idle, so the
/// benchmark can show that held connections do not slow the short-connection rate (Fastsocket's tables are per
/// core and hashed; TIME-WAIT and idle connections cost no timers or buffers). One client address reaches about
/// 28,000 ports per server port, so the connections are spread over several server ports. Uses the engine API
/// directly: nothing per connection beyond the connection itself.
/// </summary>
internal sealed class IdleConnectionSet : IListenerHandler, ITcpConnectionHandler
{
    private const ushort FirstPort = 20_000;
    private const int PerPort = 20_000;
    private const int InFlight = 128;

    private readonly FastsocketStack _client;
    private readonly IpAddress _server;
    private readonly int _target;
    private readonly List<TcpConnection>[] _held;
    private int _started;
    private int _connected;
    private int _failed;

    private IdleConnectionSet(FastsocketStack client, IpAddress server, int target, int serverCores)
    {
        _client = client;
        _server = server;
        _target = target;
        _held = new List<TcpConnection>[serverCores];
        for (int i = 0; i < serverCores; i++)
        {
            _held[i] = new List<TcpConnection>();
        }
    }

    public int Connected => Volatile.Read(ref _connected);

    /// <summary>Listens on the server, opens <paramref name="count"/> connections, and waits (bounded) until they are established.</summary>
    public static IdleConnectionSet Open(FastsocketStack server, FastsocketStack client, IpAddress serverAddress, int count)
    {
        var set = new IdleConnectionSet(client, serverAddress, count, server.CoreCount);
        int ports = (count + PerPort - 1) / PerPort;
        for (int p = 0; p < ports; p++)
        {
            ListenerGroup group = server.Listen((ushort)(FirstPort + p), 65_535);
            group.Global.Handler = set;
            foreach (EngineCore core in server.Cores)
            {
                core.InvokeAsync(() => group.OpenLocal(core.CoreId).Handler = set).Wait();
            }
        }
        foreach (EngineCore core in client.Cores)
        {
            core.Post(static s => ((IdleConnectionSet)s!).OpenMore(), set);
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (set.Connected + Volatile.Read(ref set._failed) < count && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
        return set;
    }

    /// <summary>On a client core: keeps up to <see cref="InFlight"/> handshakes going per core until the target is reached.</summary>
    private void OpenMore()
    {
        NetworkEngine engine = EngineCore.Current!.Engine;
        for (int i = 0; i < InFlight; i++)
        {
            int index = Interlocked.Increment(ref _started) - 1;
            if (index >= _target)
            {
                return;
            }
            try
            {
                engine.Connect(_server, (ushort)(FirstPort + index / PerPort), this);
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref _failed);
            }
        }
    }

    public void OnAcceptable(Listener listener)
    {
        int core = EngineCore.Current?.CoreId ?? 0;
        while (listener.TryAccept(out TcpConnection? connection))
        {
            _held[core].Add(connection!);
        }
    }

    public void OnConnected(TcpConnection connection, SocketError error)
    {
        if (error == SocketError.Success)
        {
            Interlocked.Increment(ref _connected);
        }
        else
        {
            Interlocked.Increment(ref _failed);
        }
        // One finished handshake makes room for the next.
        int index = Interlocked.Increment(ref _started) - 1;
        if (index < _target)
        {
            try
            {
                EngineCore.Current!.Engine.Connect(_server, (ushort)(FirstPort + index / PerPort), this);
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref _failed);
            }
        }
    }

    public void OnReadable(TcpConnection connection)
    {
    }

    public void OnWritable(TcpConnection connection)
    {
    }

    public void OnClosed(TcpConnection connection, SocketError error)
    {
    }
}
