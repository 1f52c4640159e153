namespace Fastsocket.Bench;

/// <summary>
/// The one response check every row's client makes: the bytes received must be exactly the response the server was
/// given (status line, headers and body), checked piece by piece as they arrive, and the stream must end right after
/// it. A response of the right length but the wrong bytes fails, as does one cut short or one running long.
/// </summary>
internal static class ResponseCheck
{
    /// <summary>
    /// Whether <paramref name="chunk"/>, received after <paramref name="receivedBefore"/> bytes, continues
    /// <paramref name="expected"/> exactly without running past its end.
    /// </summary>
    public static bool Continues(ReadOnlySpan<byte> expected, int receivedBefore, ReadOnlySpan<byte> chunk) =>
        receivedBefore >= 0 && chunk.Length <= expected.Length - receivedBefore &&
        chunk.SequenceEqual(expected.Slice(receivedBefore, chunk.Length));

    /// <summary>Whether the stream ending after <paramref name="received"/> checked bytes ended the response exactly.</summary>
    public static bool IsComplete(ReadOnlySpan<byte> expected, int received) => received == expected.Length;

    /// <summary>The whole check on one complete <paramref name="response"/>, for callers that hold it in one piece.</summary>
    public static bool Matches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> response) =>
        Continues(expected, 0, response) && IsComplete(expected, response.Length);
}
