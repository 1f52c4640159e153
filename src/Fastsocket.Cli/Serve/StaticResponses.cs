using System.Text;

namespace Fastsocket.Cli.Serve;

/// <summary>The static server's answers, built once: every request gets the same small 200 page.</summary>
internal static class StaticResponses
{
    private const string Body = "Hello from Fastsocket.NET\n";

    public static readonly byte[] KeepAlive = Build("200 OK", Body, close: false, head: false, explicitKeepAlive: false);
    public static readonly byte[] KeepAlive10 = Build("200 OK", Body, close: false, head: false, explicitKeepAlive: true);
    public static readonly byte[] Close = Build("200 OK", Body, close: true, head: false, explicitKeepAlive: false);
    public static readonly byte[] HeadKeepAlive = Build("200 OK", Body, close: false, head: true, explicitKeepAlive: false);
    public static readonly byte[] HeadKeepAlive10 = Build("200 OK", Body, close: false, head: true, explicitKeepAlive: true);
    public static readonly byte[] HeadClose = Build("200 OK", Body, close: true, head: true, explicitKeepAlive: false);
    public static readonly byte[] BadRequest = Build("400 Bad Request", "bad request\n", close: true, head: false, explicitKeepAlive: false);

    /// <summary>The response for a parsed request: HTTP/1.0 clients that asked to keep alive are told so explicitly (RFC 9112 9.3).</summary>
    public static byte[] For(in HttpRequestHead request) => (request.IsHead, request.KeepAlive, request.MinorVersion) switch
    {
        (false, false, _) => Close,
        (false, true, 0) => KeepAlive10,
        (false, true, _) => KeepAlive,
        (true, false, _) => HeadClose,
        (true, true, 0) => HeadKeepAlive10,
        (true, true, _) => HeadKeepAlive,
    };

    private static byte[] Build(string status, string body, bool close, bool head, bool explicitKeepAlive)
    {
        var text = new StringBuilder();
        text.Append("HTTP/1.1 ").Append(status).Append("\r\n");
        text.Append("Server: fastsocket\r\n");
        text.Append("Content-Type: text/plain\r\n");
        text.Append("Content-Length: ").Append(Encoding.ASCII.GetByteCount(body)).Append("\r\n");
        if (close)
        {
            text.Append("Connection: close\r\n");
        }
        else if (explicitKeepAlive)
        {
            text.Append("Connection: keep-alive\r\n");
        }
        text.Append("\r\n");
        if (!head)
        {
            text.Append(body);
        }
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
