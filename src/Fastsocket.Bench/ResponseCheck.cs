namespace Fastsocket.Bench;

/// <summary>
/// The one response check every row's client makes: the bytes received must be exactly the response the server was
/// given (status line, headers and body), checked piece by piece as they arrive, and the stream must end right after
/// it. A response of the right length but the wrong bytes fails, as does one cut short or one running long. A server
/// that stamps each response with the time (nginx's <c>Date</c> header) gets one range of the expected bytes whose
/// values may differ (<see cref="AnyFrom"/>, <see cref="AnyLength"/>); every other byte, and the length, must match.
/// </summary>
internal sealed class ResponseCheck
{
    private readonly byte[] _expected;

    /// <summary>The check for exactly <paramref name="expected"/>, with no byte left open.</summary>
    public ResponseCheck(ReadOnlyMemory<byte> expected)
        : this(expected, 0, 0)
    {
    }

    /// <summary>The check for <paramref name="expected"/>, except that the <paramref name="anyLength"/> bytes at <paramref name="anyFrom"/> may hold anything.</summary>
    public ResponseCheck(ReadOnlyMemory<byte> expected, int anyFrom, int anyLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(anyFrom);
        ArgumentOutOfRangeException.ThrowIfNegative(anyLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(anyFrom + anyLength, expected.Length);
        _expected = expected.ToArray();
        AnyFrom = anyFrom;
        AnyLength = anyLength;
    }

    /// <summary>The response's length in bytes.</summary>
    public int Length => _expected.Length;

    /// <summary>Start of the range whose bytes may differ (0 with <see cref="AnyLength"/> 0: none).</summary>
    public int AnyFrom { get; }

    /// <summary>Length of the range whose bytes may differ.</summary>
    public int AnyLength { get; }

    /// <summary>
    /// Whether <paramref name="chunk"/>, received after <paramref name="receivedBefore"/> bytes, continues the expected
    /// response exactly (outside the open range) without running past its end.
    /// </summary>
    public bool Continues(int receivedBefore, ReadOnlySpan<byte> chunk)
    {
        if (receivedBefore < 0 || chunk.Length > _expected.Length - receivedBefore)
        {
            return false;
        }

        ReadOnlySpan<byte> expected = _expected.AsSpan(receivedBefore, chunk.Length);
        if (AnyLength == 0)
        {
            return chunk.SequenceEqual(expected);
        }

        // Compare what lies before and after the open range, in this chunk's coordinates.
        int openFrom = Math.Clamp(AnyFrom - receivedBefore, 0, chunk.Length);
        int openTo = Math.Clamp(AnyFrom + AnyLength - receivedBefore, 0, chunk.Length);
        return chunk[..openFrom].SequenceEqual(expected[..openFrom]) && chunk[openTo..].SequenceEqual(expected[openTo..]);
    }

    /// <summary>Whether the stream ending after <paramref name="received"/> checked bytes ended the response exactly.</summary>
    public bool IsComplete(int received) => received == _expected.Length;

    /// <summary>The whole check on one complete <paramref name="response"/>.</summary>
    public bool Matches(ReadOnlySpan<byte> response) => Continues(0, response) && IsComplete(response.Length);
}
