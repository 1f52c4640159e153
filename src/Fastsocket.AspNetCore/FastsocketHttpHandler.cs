using System.Net;
using System.Net.Sockets;
using Fastsocket.Sockets;
using Fastsocket.Stack;

namespace Fastsocket.AspNetCore;

/// <summary>
/// HttpClient over Fastsocket.NET: a <see cref="SocketsHttpHandler"/> whose connections are <see cref="FastSocket"/>
/// connections opened on a client stack. They are active connections, so with the fastsocket design the replies
/// are steered to the core that opened them (Receive Flow Deliver). Everything above the byte stream (pooling,
/// HTTP/1.1 framing, TLS) stays SocketsHttpHandler's.
/// </summary>
public static class FastsocketHttpHandler
{
    /// <summary>
    /// Builds a handler on <paramref name="clientStack"/>. Hosts must be IP literals, unless
    /// <paramref name="resolveHost"/> maps a name to an address (the stack has no DNS resolver).
    /// </summary>
    public static SocketsHttpHandler Create(FastsocketStack clientStack, Func<string, IPAddress?>? resolveHost = null)
    {
        ArgumentNullException.ThrowIfNull(clientStack);
        return new SocketsHttpHandler
        {
            // A proxy from the environment would be dialled on this stack too, where it does not exist.
            UseProxy = false,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(clientStack, resolveHost, context.DnsEndPoint, cancellationToken),
        };
    }

    /// <summary>Opens a connection to <paramref name="endPoint"/> and returns it as a stream that owns the socket.</summary>
    public static async ValueTask<Stream> ConnectAsync(FastsocketStack clientStack, Func<string, IPAddress?>? resolveHost, DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientStack);
        ArgumentNullException.ThrowIfNull(endPoint);
        IPAddress address = Resolve(endPoint.Host, resolveHost);
        var socket = new FastSocket(clientStack) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
            return new FastSocketStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static IPAddress Resolve(string host, Func<string, IPAddress?>? resolveHost)
    {
        // Uri hosts of IPv6 literals come bracketed.
        string literal = host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (IPAddress.TryParse(literal, out IPAddress? address))
        {
            return address;
        }
        if (resolveHost?.Invoke(host) is IPAddress mapped)
        {
            return mapped;
        }
        throw new SocketException((int)SocketError.HostNotFound,
            $"Fastsocket.NET has no DNS resolver: '{host}' is not an IP address and no host mapping names it (pass resolveHost to FastsocketHttpHandler.Create)");
    }
}
