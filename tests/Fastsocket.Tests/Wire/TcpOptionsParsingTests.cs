using Fastsocket.Wire;

namespace Fastsocket.Tests.Wire;

public sealed class TcpOptionsParsingTests
{
    private static TcpOptions ParseOk(params byte[] area)
    {
        Assert.True(TcpOptions.TryParse(area, out TcpOptions options));
        return options;
    }

    private static void AssertMalformed(params byte[] area)
    {
        Assert.False(TcpOptions.TryParse(area, out _));
    }

    [Fact]
    public void EmptyAreaHasNoOptions()
    {
        TcpOptions options = ParseOk();
        Assert.False(options.HasMss);
        Assert.False(options.HasWindowScale);
        Assert.False(options.SackPermitted);
        Assert.False(options.HasTimestamps);
        Assert.Equal(0, options.SackCount);
    }

    [Fact]
    public void EachKnownOptionIsDecoded()
    {
        TcpOptions options = ParseOk(
            2, 4, 0x23, 0x28,
            3, 3, 14,
            4, 2,
            8, 10, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF,
            5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0xFF, 0xFF, 0xFF, 0xF0, 0, 0, 0, 5,
            0);
        Assert.True(options.HasMss);
        Assert.Equal(9000, options.Mss);
        Assert.True(options.HasWindowScale);
        Assert.Equal(14, options.WindowScale);
        Assert.True(options.SackPermitted);
        Assert.True(options.HasTimestamps);
        Assert.Equal(1u, options.TsVal);
        Assert.Equal(uint.MaxValue, options.TsEcr);
        Assert.Equal(2, options.SackCount);
        Assert.Equal(new SackBlock(10, 20), options.Sack[0]);
        Assert.Equal(new SackBlock(0xFFFFFFF0, 5), options.Sack[1]);
    }

    [Fact]
    public void EndOfListStopsParsingEvenBeforeGarbage()
    {
        TcpOptions options = ParseOk(2, 4, 0x05, 0xB4, 0, 3, 3, 7);
        Assert.True(options.HasMss);
        Assert.False(options.HasWindowScale);
        // Whatever follows EOL is padding, even bytes that would be malformed as options.
        ParseOk(0, 0xFE, 0);
        ParseOk(1, 1, 0, 0xFE);
        ParseOk(0, 2);
    }

    [Fact]
    public void NoOperationIsSkipped()
    {
        TcpOptions options = ParseOk(1, 1, 1, 3, 3, 7, 1);
        Assert.True(options.HasWindowScale);
        Assert.Equal(7, options.WindowScale);
        ParseOk(1, 1, 1, 1);
    }

    [Fact]
    public void UnknownKindsAreSkippedByTheirLength()
    {
        // Kind 254 (RFC 6994 experimental) with 4 bytes of body, then kind 30 (MPTCP) of length 2, then MSS.
        TcpOptions options = ParseOk(254, 6, 2, 4, 0xFF, 0xFF, 30, 2, 2, 4, 0x05, 0xDC);
        Assert.True(options.HasMss);
        Assert.Equal(1500, options.Mss);
        // An unknown option that ends exactly at the end of the area is fine.
        ParseOk(19, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    [Theory]
    [InlineData(new byte[] { 254, 0 })]
    [InlineData(new byte[] { 2, 0, 5, 0xB4 })]
    [InlineData(new byte[] { 1, 1, 8, 0, 0, 0 })]
    public void ZeroLengthIsMalformed(byte[] area) => AssertMalformed(area);

    [Theory]
    [InlineData(new byte[] { 254, 1 })]
    [InlineData(new byte[] { 254, 1, 1, 1 })]
    [InlineData(new byte[] { 4, 1, 1, 1 })]
    public void LengthOneIsMalformed(byte[] area) => AssertMalformed(area);

    [Theory]
    [InlineData(new byte[] { 8, 10, 0, 0, 0, 1 })]
    [InlineData(new byte[] { 2, 4, 5 })]
    [InlineData(new byte[] { 1, 254, 4, 0 })]
    [InlineData(new byte[] { 5, 255, 0, 0 })]
    public void LengthOverrunningTheAreaIsMalformed(byte[] area) => AssertMalformed(area);

    [Theory]
    [InlineData(new byte[] { 2 })]
    [InlineData(new byte[] { 1, 1, 1, 3 })]
    [InlineData(new byte[] { 2, 4, 5, 0xB4, 254 })]
    public void KindAtTheVeryEndWithNoLengthIsMalformed(byte[] area) => AssertMalformed(area);

    [Fact]
    public void KnownOptionsWithTheWrongLengthAreIgnored()
    {
        TcpOptions options = ParseOk(
            2, 3, 5, // MSS must be 4
            3, 4, 7, 0, // window scale must be 3
            4, 3, 0, // SACK-permitted must be 2
            8, 8, 0, 0, 0, 1, 0, 0, // timestamps must be 10
            5, 9, 0, 0, 0, 1, 0, 0, 0, // SACK must be 2 + 8n
            5, 2, // SACK with no blocks
            3, 3, 9); // a well-formed option after them is still read
        Assert.False(options.HasMss);
        Assert.False(options.SackPermitted);
        Assert.False(options.HasTimestamps);
        Assert.Equal(0, options.SackCount);
        Assert.True(options.HasWindowScale);
        Assert.Equal(9, options.WindowScale);
    }

    [Fact]
    public void MoreSackBlocksThanFitAreClampedNotOverflowed()
    {
        // A 5-block SACK option (42 bytes) cannot occur in a real header, but the parser must not overrun its array.
        byte[] area = new byte[42];
        area[0] = 5;
        area[1] = 42;
        for (int i = 2; i < 42; i++)
        {
            area[i] = (byte)i;
        }
        TcpOptions options = ParseOk(area);
        Assert.Equal(TcpOptions.MaxSackBlocks, options.SackCount);
    }

    [Fact]
    public void EveryTwoByteAreaParsesOrFailsWithoutThrowing()
    {
        for (int a = 0; a < 256; a++)
        {
            for (int b = 0; b < 256; b++)
            {
                bool ok = TcpOptions.TryParse([(byte)a, (byte)b], out _);
                // EOL: done. NOP then a lone kind byte: fine only if that byte is EOL or NOP. Any other kind: its
                // length must be exactly 2 to stay inside the area.
                bool expected = a == 0 || (a == 1 ? b <= 1 : b == 2);
                Assert.Equal(expected, ok);
            }
        }
    }
}
