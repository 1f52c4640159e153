using System.Globalization;
using System.Text;

namespace Fastsocket.Bench;

/// <summary>
/// Builds the workload's two messages, as in the paper's nginx/http_load test: a small HTTP/1.1 GET
/// with <c>Connection: close</c>, and a 200 response with a fixed-size body, after which the server closes.
/// </summary>
public static class BenchMessages
{
    private const string RequestHead = "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n";
    private const string PadHeaderName = "X-Pad: ";

    /// <summary>Size of the request with no padding: the smallest <c>--request-bytes</c> accepted.</summary>
    public static int MinRequestBytes { get; } = RequestHead.Length + 2;

    /// <summary>The marker that ends a request's header block; the server reads until it sees it.</summary>
    public static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;

    /// <summary>The start every valid response has; clients check it.</summary>
    public static ReadOnlySpan<byte> StatusLinePrefix => "HTTP/1.1 200 "u8;

    /// <summary>
    /// A request of exactly <paramref name="requestBytes"/> bytes. The padding is an <c>X-Pad</c>
    /// header; a gap too small to hold one (1 to 8 bytes) lengthens the request path instead.
    /// </summary>
    public static byte[] BuildRequest(int requestBytes)
    {
        if (requestBytes < MinRequestBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(requestBytes), requestBytes,
                $"A request needs at least {MinRequestBytes} bytes.");
        }

        var gap = requestBytes - MinRequestBytes;
        var padHeaderOverhead = PadHeaderName.Length + 2;
        var text = new StringBuilder(requestBytes);
        if (gap > 0 && gap < padHeaderOverhead)
        {
            text.Append("GET /").Append('a', gap).Append(" HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n");
        }
        else
        {
            text.Append(RequestHead);
            if (gap > 0)
            {
                text.Append(PadHeaderName).Append('a', gap - padHeaderOverhead).Append("\r\n");
            }
        }

        text.Append("\r\n");
        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        if (bytes.Length != requestBytes)
        {
            throw new InvalidOperationException($"Built a {bytes.Length}-byte request instead of {requestBytes}.");
        }

        return bytes;
    }

    /// <summary>A 200 response with a body of exactly <paramref name="bodyBytes"/> bytes and <c>Connection: close</c>.</summary>
    public static byte[] BuildResponse(int bodyBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bodyBytes);
        var head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 200 OK\r\nContent-Length: {bodyBytes}\r\nConnection: close\r\n\r\n"));
        var response = new byte[head.Length + bodyBytes];
        head.CopyTo(response, 0);
        for (var i = 0; i < bodyBytes; i++)
        {
            response[head.Length + i] = (byte)('a' + (i % 26));
        }

        return response;
    }
}
