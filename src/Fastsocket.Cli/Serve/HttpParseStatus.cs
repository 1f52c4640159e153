namespace Fastsocket.Cli.Serve;

/// <summary>Outcome of parsing a request head from the bytes received so far.</summary>
internal enum HttpParseStatus
{
    /// <summary>No CRLFCRLF yet: read more.</summary>
    Incomplete,

    /// <summary>A whole, well-formed head.</summary>
    Complete,

    /// <summary>Malformed, or larger than the server accepts: answer 400 and close.</summary>
    Bad,
}
