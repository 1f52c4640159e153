// An echo server and client written against FastSocket with async/await, on two cores of the in-memory network.
using System.Net;
using System.Net.Sockets;
using System.Text;
using Fastsocket.Devices;
using Fastsocket.Sockets;
using Fastsocket.Stack;
using Fastsocket.Time;
using Fastsocket.Wire;

var wire = new VirtualWire(MonotonicClock.Instance, new VirtualWireOptions { QueuesA = 2, QueuesB = 2 });
using var server = new FastsocketStack(new StackOptions
{
    Cores = 2, LocalAddress = IpAddress.Parse("198.18.0.2"), Device = wire.B, Name = "server",
});
using var client = new FastsocketStack(new StackOptions
{
    Cores = 2, LocalAddress = IpAddress.Parse("198.18.0.1"), Device = wire.A, Name = "client",
});
server.Start();
client.Start();

using var listener = new FastSocket(server);
listener.Bind(new IPEndPoint(IPAddress.Any, 7));
listener.Listen();
foreach (EngineCore core in server.Cores)
{
    // One accept loop per core: each accepts the connections whose SYN reached that core, and its awaits resume there.
    core.Post(_ => _ = AcceptLoop(listener), null);
}

for (int i = 0; i < 4; i++)
{
    using var socket = new FastSocket(client);
    await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.2"), 7));
    await socket.SendAsync(Encoding.UTF8.GetBytes($"hello {i}"));
    socket.Shutdown(SocketShutdown.Send);
    byte[] buffer = new byte[64];
    int n, total = 0;
    while ((n = await socket.ReceiveAsync(buffer.AsMemory(total))) > 0)
    {
        total += n;
    }
    Console.WriteLine($"client core {socket.CoreId}, port {((IPEndPoint)socket.LocalEndPoint!).Port}: echoed \"{Encoding.UTF8.GetString(buffer, 0, total)}\"");
}

static async Task AcceptLoop(FastSocket listener)
{
    while (true)
    {
        FastSocket connection;
        try
        {
            connection = await listener.AcceptAsync();
        }
        catch (SocketException)
        {
            return; // the listener was closed
        }
        _ = Echo(connection);
    }
}

static async Task Echo(FastSocket connection)
{
    using (connection)
    {
        byte[] buffer = new byte[4096];
        int n;
        while ((n = await connection.ReceiveAsync(buffer)) > 0)
        {
            await connection.SendAsync(buffer.AsMemory(0, n));
        }
        Console.WriteLine($"server core {EngineCore.Current?.CoreId}: served {connection.RemoteEndPoint}");
    }
}
