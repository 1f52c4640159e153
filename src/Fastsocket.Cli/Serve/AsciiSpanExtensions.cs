namespace Fastsocket.Cli.Serve;

internal static class AsciiSpanExtensions
{
    /// <summary>Case-insensitive comparison of ASCII bytes: header names and tokens are case-insensitive (RFC 9110 5.1).</summary>
    public static bool EqualsIgnoreCaseAscii(this ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) =>
        System.Text.Ascii.EqualsIgnoreCase(left, right);
}
