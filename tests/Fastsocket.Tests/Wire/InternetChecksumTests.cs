using System.Buffers.Binary;
using CsCheck;
using Fastsocket.Wire;
using static Fastsocket.Tests.Wire.WireReference;

namespace Fastsocket.Tests.Wire;

public sealed class InternetChecksumTests
{
    private static readonly byte[] Rfc1071Example = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7];

    [Fact]
    public void Rfc1071WorkedExample()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to 2ddf0, which folds to ddf2; the checksum is 220d.
        Assert.Equal(0xDDF2, ReferenceSum(Rfc1071Example));
        Assert.Equal(0xDDF2, NativeToWire(InternetChecksum.Fold(InternetChecksum.Accumulate(Rfc1071Example))));
        Assert.Equal(0x220D, InternetChecksum.Compute(Rfc1071Example));
    }

    [Fact]
    public void StoreWritesFinishedChecksumInNetworkOrder()
    {
        byte[] field = new byte[2];
        InternetChecksum.Store(field, InternetChecksum.Finish(InternetChecksum.Accumulate(Rfc1071Example)));
        Assert.Equal(new byte[] { 0x22, 0x0D }, field);
    }

    [Fact]
    public void EmptyAndZeroData()
    {
        Assert.Equal(0UL, InternetChecksum.Accumulate([]));
        Assert.Equal(0xFFFF, InternetChecksum.Compute([]));
        Assert.Equal(0xFFFF, InternetChecksum.Compute(new byte[100]));
        Assert.Equal(0xFFFF, InternetChecksum.Compute(new byte[101]));
    }

    [Theory]
    [InlineData(new byte[] { 0xAB }, 0x54FF)]
    [InlineData(new byte[] { 0x00, 0x01, 0xF2 }, 0x0DFE)]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF }, 0x00FF)]
    public void OddLengthPadsTheLastByteAsTheHighOrderHalfOfAWord(byte[] data, int expected)
    {
        Assert.Equal(expected, ReferenceChecksum(data));
        Assert.Equal(expected, InternetChecksum.Compute(data));
    }

    [Fact]
    public void EveryLengthUpTo2000MatchesTheReference()
    {
        var random = new Random(1071);
        byte[] buffer = new byte[2000 + 3];
        for (int length = 0; length <= 2000; length++)
        {
            random.NextBytes(buffer);
            // Start at every alignment so the vector loads are exercised unaligned too.
            int offset = length % 4;
            ReadOnlySpan<byte> data = buffer.AsSpan(offset, length);
            Assert.Equal(ReferenceChecksum(data), InternetChecksum.Compute(data));
            Assert.Equal(ReferenceSum(data), NativeToWire(InternetChecksum.Fold(InternetChecksum.Accumulate(data))));
        }
    }

    [Fact]
    public void PropertyMatchesTheReferenceForRandomBuffers()
    {
        Gen.Int[0, 2000].SelectMany(n => Gen.Byte.Array[n]).Sample(
            data => ReferenceChecksum(data) == InternetChecksum.Compute(data),
            iter: 2000);
    }

    [Fact]
    public void AllOnesDataExercisesEveryCarry()
    {
        // 0xFF everywhere maximizes the carries out of every lane; 65535 bytes is the largest IPv4 packet.
        for (int length = 0; length <= 200; length++)
        {
            byte[] data = Enumerable.Repeat((byte)0xFF, length).ToArray();
            Assert.Equal(ReferenceChecksum(data), InternetChecksum.Compute(data));
        }
        byte[] big = Enumerable.Repeat((byte)0xFF, 65535).ToArray();
        Assert.Equal(ReferenceChecksum(big), InternetChecksum.Compute(big));
    }

    [Fact]
    public void VectorizedAndScalarPathsAgreeAroundLaneBoundaries()
    {
        // Accumulating two bytes at a time never reaches the SIMD loops (they need 32 or 64 bytes), so it is a
        // scalar computation of the same sum; the whole-buffer call takes the vector path where the hardware has one.
        var random = new Random(64);
        int[] boundaries = [16, 32, 64, 128, 256, 1024];
        foreach (int boundary in boundaries)
        {
            for (int length = boundary - 5; length <= boundary + 5; length++)
            {
                for (int offset = 0; offset < 4; offset++)
                {
                    byte[] buffer = RandomBytes(random, length + offset);
                    ReadOnlySpan<byte> data = buffer.AsSpan(offset);
                    ulong scalar = 0;
                    for (int i = 0; i < data.Length; i += 2)
                    {
                        scalar = InternetChecksum.Accumulate(data.Slice(i, Math.Min(2, data.Length - i)), scalar);
                    }
                    ulong whole = InternetChecksum.Accumulate(data);
                    Assert.Equal(InternetChecksum.Fold(scalar), InternetChecksum.Fold(whole));
                    Assert.Equal(ReferenceSum(data), NativeToWire(InternetChecksum.Fold(whole)));
                }
            }
        }
    }

    [Fact]
    public void ChainingEvenPiecesEqualsTheWholeBuffer()
    {
        var random = new Random(9293);
        for (int trial = 0; trial < 500; trial++)
        {
            int length = random.Next(0, 1600);
            byte[] segment = RandomBytes(random, length);
            bool v6 = (trial & 1) == 1;
            IpAddress source = v6 ? ClientV6 : ClientV4;
            IpAddress destination = v6 ? ServerV6 : ServerV4;
            byte[] pseudo = PseudoHeaderBytes(source, destination, IpProtocol.Tcp, length);
            byte[] whole = [.. pseudo, .. segment];

            ulong sum = InternetChecksum.PseudoHeader(source, destination, IpProtocol.Tcp, length);
            int position = 0;
            while (position < length)
            {
                // Every piece but the last has an even length.
                int piece = Math.Min(random.Next(0, 200) * 2, length - position);
                if (position + piece < length && piece == 0)
                {
                    piece = Math.Min(2, length - position);
                }
                sum = InternetChecksum.Accumulate(segment.AsSpan(position, piece), sum);
                position += piece;
            }
            Assert.Equal(InternetChecksum.Fold(InternetChecksum.Accumulate(whole)), InternetChecksum.Fold(sum));
            Assert.Equal(ReferenceSum(whole), NativeToWire(InternetChecksum.Fold(sum)));
        }
    }

    [Fact]
    public void AccumulateWordAddsAHostValueAsANetworkOrderWord()
    {
        byte[] bytes = [0x12, 0x34];
        Assert.Equal(InternetChecksum.Accumulate(bytes), InternetChecksum.AccumulateWord(0x1234, 0));
        Assert.Equal(InternetChecksum.Accumulate(bytes, 7), InternetChecksum.AccumulateWord(0x1234, 7));
    }

    [Fact]
    public void FoldHandlesLargeUnfoldedSums()
    {
        Assert.Equal(0xFFFF, InternetChecksum.Fold(ulong.MaxValue));
        Assert.Equal(0xFFFF, InternetChecksum.Fold(0xFFFF));
        Assert.Equal(1, InternetChecksum.Fold(0x10000));
        Assert.Equal(0, InternetChecksum.Fold(0));
        // 2^48 + 2^32 + 2^16 + 1 is congruent to 4 modulo 0xFFFF.
        Assert.Equal(4, InternetChecksum.Fold(0x0001_0001_0001_0001UL));
    }

    [Fact]
    public void IsValidOnDataContainingItsChecksumAtEveryEvenOffset()
    {
        var random = new Random(5);
        for (int length = 2; length <= 300; length++)
        {
            byte[] data = RandomBytes(random, length);
            int field = random.Next(0, length / 2) * 2;
            data[field] = 0;
            data[field + 1] = 0;
            InternetChecksum.Store(data.AsSpan(field), InternetChecksum.Finish(InternetChecksum.Accumulate(data)));
            Assert.Equal(0, ReferenceChecksum(data));
            Assert.True(InternetChecksum.IsValid(InternetChecksum.Accumulate(data)));

            data[random.Next(length)] ^= (byte)(1 << random.Next(8));
            Assert.False(InternetChecksum.IsValid(InternetChecksum.Accumulate(data)));
        }
    }

    [Fact]
    public void PseudoHeaderForIPv4MatchesRfc9293Layout()
    {
        byte[] expected = PseudoHeaderBytes(ClientV4, ServerV4, IpProtocol.Tcp, 1234);
        Assert.Equal(ReferenceSum(expected),
            NativeToWire(InternetChecksum.Fold(InternetChecksum.PseudoHeader(ClientV4, ServerV4, IpProtocol.Tcp, 1234))));
    }

    [Theory]
    [InlineData("2001:db8::1", "2001:db8::2", 20)]
    [InlineData("fe80::1:2:3:4", "ff02::1", 65535)]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "::1", 0x0001_2345)]
    public void PseudoHeaderForIPv6MatchesRfc8200Layout(string source, string destination, int length)
    {
        IpAddress s = IpAddress.Parse(source);
        IpAddress d = IpAddress.Parse(destination);
        // RFC 8200 8.1: source, destination, 32-bit upper-layer length, three zero bytes, next header.
        byte[] layout = new byte[40];
        IpAddress.Parse(source).ToIPAddress().GetAddressBytes().CopyTo(layout, 0);
        IpAddress.Parse(destination).ToIPAddress().GetAddressBytes().CopyTo(layout, 16);
        BinaryPrimitives.WriteUInt32BigEndian(layout.AsSpan(32), (uint)length);
        layout[39] = IpProtocol.Tcp;
        Assert.Equal(ReferenceSum(layout),
            NativeToWire(InternetChecksum.Fold(InternetChecksum.PseudoHeader(s, d, IpProtocol.Tcp, length))));
    }
}
