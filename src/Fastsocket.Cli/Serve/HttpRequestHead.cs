using System.Buffers.Text;

namespace Fastsocket.Cli.Serve;

/// <summary>
/// The parts of an HTTP/1.x request head the static server acts on (RFC 9112): the method, the version, whether the
/// connection persists after the response, and how long a body follows. Everything else is read past.
/// </summary>
internal readonly record struct HttpRequestHead(bool IsHead, int MinorVersion, bool KeepAlive, long ContentLength, int HeadLength)
{
    public const int MaxHeadLength = 16 * 1024;

    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    /// <summary>
    /// Parses the head at the start of <paramref name="data"/>. HTTP/1.1 persists unless the client says
    /// <c>Connection: close</c>; HTTP/1.0 closes unless it says <c>Connection: keep-alive</c> (RFC 9112 9.3).
    /// Chunked request bodies are refused as Bad: a static server has no use for them and cannot frame them cheaply.
    /// </summary>
    public static HttpParseStatus TryParse(ReadOnlySpan<byte> data, out HttpRequestHead head)
    {
        head = default;
        int end = data.IndexOf(HeadEnd);
        if (end < 0)
        {
            return data.Length >= MaxHeadLength ? HttpParseStatus.Bad : HttpParseStatus.Incomplete;
        }
        ReadOnlySpan<byte> text = data[..end];
        int lineEnd = text.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> requestLine = lineEnd < 0 ? text : text[..lineEnd];
        ReadOnlySpan<byte> headers = lineEnd < 0 ? default : text[(lineEnd + 2)..];

        // request-line = method SP request-target SP HTTP-version
        int firstSpace = requestLine.IndexOf((byte)' ');
        int lastSpace = requestLine.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace + 1)
        {
            return HttpParseStatus.Bad;
        }
        ReadOnlySpan<byte> method = requestLine[..firstSpace];
        ReadOnlySpan<byte> version = requestLine[(lastSpace + 1)..];
        if (version.Length != 8 || !version.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)version[7]))
        {
            return HttpParseStatus.Bad;
        }
        int minor = version[7] - '0';
        bool keepAlive = minor >= 1;
        long contentLength = 0;
        bool sawLength = false;

        while (!headers.IsEmpty)
        {
            int next = headers.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = next < 0 ? headers : headers[..next];
            headers = next < 0 ? default : headers[(next + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[colon - 1] is (byte)' ' or (byte)'\t')
            {
                // RFC 9112 5.1: no whitespace between field name and colon; such a request must be rejected.
                return HttpParseStatus.Bad;
            }
            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
            if (name.EqualsIgnoreCaseAscii("Connection"u8))
            {
                if (ContainsToken(value, "close"u8))
                {
                    keepAlive = false;
                }
                else if (ContainsToken(value, "keep-alive"u8))
                {
                    keepAlive = true;
                }
            }
            else if (name.EqualsIgnoreCaseAscii("Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long parsed, out int consumed) || consumed != value.Length || parsed < 0 ||
                    (sawLength && parsed != contentLength))
                {
                    return HttpParseStatus.Bad;
                }
                contentLength = parsed;
                sawLength = true;
            }
            else if (name.EqualsIgnoreCaseAscii("Transfer-Encoding"u8))
            {
                return HttpParseStatus.Bad;
            }
        }
        head = new HttpRequestHead(method.SequenceEqual("HEAD"u8), minor, keepAlive, contentLength, end + HeadEnd.Length);
        return HttpParseStatus.Complete;
    }

    private static bool ContainsToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        foreach (Range range in list.Split((byte)','))
        {
            if (list[range].Trim(" \t"u8).EqualsIgnoreCaseAscii(token))
            {
                return true;
            }
        }
        return false;
    }
}
