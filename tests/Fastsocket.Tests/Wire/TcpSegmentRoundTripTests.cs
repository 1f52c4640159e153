using System.Buffers.Binary;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Wire.WireReference;

namespace Fastsocket.Tests.Wire;

/// <summary>Segments written by <see cref="TcpSegmentWriter"/> and read back through <see cref="TcpHeader"/> and <see cref="TcpOptions"/>.</summary>
public sealed class TcpSegmentRoundTripTests
{
    private static readonly int[] PayloadLengths = [0, 1, 7, 536];

    private static TcpOptions MakeOptions(int mask, int sackCount)
    {
        TcpOptions options = default;
        if ((mask & 1) != 0)
        {
            options.HasMss = true;
            options.Mss = 1460;
        }
        if ((mask & 2) != 0)
        {
            options.HasWindowScale = true;
            options.WindowScale = 7;
        }
        if ((mask & 4) != 0)
        {
            options.SackPermitted = true;
        }
        if ((mask & 8) != 0)
        {
            options.HasTimestamps = true;
            options.TsVal = 0xFEDCBA98;
            options.TsEcr = 0x01234567;
        }
        options.SackCount = sackCount;
        for (int b = 0; b < sackCount; b++)
        {
            options.Sack[b] = new SackBlock(0x10000000u * (uint)(b + 1) + 1, 0x10000000u * (uint)(b + 1) + 0x5000);
        }
        return options;
    }

    /// <summary>The most SACK blocks that fit: options may not exceed 40 bytes, and a SACK option costs 4 + 8n (with NOP padding).</summary>
    private static int ExpectedSackBlocks(in TcpOptions options)
    {
        int fixedBytes = (options.HasMss ? 4 : 0) + (options.HasTimestamps ? 12 : options.SackPermitted ? 4 : 0) +
            (options.HasWindowScale ? 4 : 0);
        int blocks = options.SackCount;
        while (blocks > 0 && fixedBytes + 4 + 8 * blocks > 40)
        {
            blocks--;
        }
        return blocks;
    }

    public static TheoryData<int, int> OptionCombinations()
    {
        var data = new TheoryData<int, int>();
        for (int mask = 0; mask < 16; mask++)
        {
            for (int sack = 0; sack <= TcpOptions.MaxSackBlocks; sack++)
            {
                data.Add(mask, sack);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(OptionCombinations))]
    public void EveryOptionCombinationRoundTrips(int mask, int sackCount)
    {
        TcpOptions options = MakeOptions(mask, sackCount);
        int expectedBlocks = ExpectedSackBlocks(options);
        foreach (int payloadLength in PayloadLengths)
        {
            foreach (bool v6 in new[] { false, true })
            {
                IpAddress source = v6 ? ClientV6 : ClientV4;
                IpAddress destination = v6 ? ServerV6 : ServerV4;
                byte[] payload = Enumerable.Range(0, payloadLength).Select(i => (byte)(i ^ 0x5A)).ToArray();
                byte[] segment = PacketBuilder.Tcp(source, 65535, destination, 1).Flags(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Ece)
                    .Seq(0xFFFFFFF0).Ack(0x80000001).Window(0xABCD).Options(options).Payload(payload).BuildTransport();

                Assert.True(TcpHeader.TryParse(segment, source, destination, verifyChecksum: true, out TcpHeader tcp,
                    out DropReason reason), reason.ToString());
                Assert.Equal(DropReason.None, reason);
                Assert.Equal(65535, tcp.SourcePort);
                Assert.Equal(1, tcp.DestinationPort);
                Assert.Equal(0xFFFFFFF0u, tcp.SequenceNumber);
                Assert.Equal(0x80000001u, tcp.AcknowledgmentNumber);
                Assert.Equal(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Ece, tcp.Flags);
                Assert.Equal(0xABCD, tcp.Window);
                Assert.Equal(0, tcp.Reserved);
                Assert.Equal(0, tcp.UrgentPointer);
                Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(segment.AsSpan(16)), tcp.Checksum);
                Assert.Equal(segment.Length, tcp.SegmentLength);
                Assert.Equal(0, tcp.HeaderLength % 4);
                Assert.InRange(tcp.HeaderLength, TcpHeader.MinLength, TcpHeader.MaxLength);
                Assert.Equal(TcpHeader.MinLength + options.WireLength, tcp.HeaderLength);
                Assert.Equal(payload, tcp.Payload.ToArray());

                // The checksum is right by an independent computation too.
                byte[] pseudo = PseudoHeaderBytes(source, destination, IpProtocol.Tcp, segment.Length);
                Assert.Equal(0xFFFF, ReferenceSum(segment, ReferenceSum(pseudo)));

                Assert.True(TcpOptions.TryParse(tcp.Options, out TcpOptions parsed));
                Assert.Equal(options.HasMss, parsed.HasMss);
                Assert.Equal(options.HasMss ? options.Mss : 0, parsed.Mss);
                Assert.Equal(options.HasWindowScale, parsed.HasWindowScale);
                Assert.Equal(options.HasWindowScale ? options.WindowScale : 0, parsed.WindowScale);
                Assert.Equal(options.SackPermitted, parsed.SackPermitted);
                Assert.Equal(options.HasTimestamps, parsed.HasTimestamps);
                Assert.Equal(options.HasTimestamps ? options.TsVal : 0, parsed.TsVal);
                Assert.Equal(options.HasTimestamps ? options.TsEcr : 0, parsed.TsEcr);
                Assert.Equal(expectedBlocks, parsed.SackCount);
                for (int b = 0; b < expectedBlocks; b++)
                {
                    Assert.Equal(options.Sack[b], parsed.Sack[b]);
                }
            }
        }
    }

    [Theory]
    [InlineData(0, 4, 4)] // SACK alone: 4 + 32 = 36 bytes
    [InlineData(8, 4, 3)] // with timestamps only 3 fit: 12 + 4 + 24 = 40
    [InlineData(8, 3, 3)]
    [InlineData(8 | 4, 4, 3)] // SACK-permitted rides in the timestamp padding
    [InlineData(8 | 2, 4, 2)] // timestamps + window scale: 16 + 4 + 16 = 36
    [InlineData(8 | 2 | 1, 4, 2)] // 20 + 4 + 16 = 40
    [InlineData(4, 4, 4)] // SACK-permitted alone: 4 + 4 + 32 = 40
    [InlineData(4 | 1, 4, 3)]
    [InlineData(15, 1, 1)]
    public void SackBlocksThatDoNotFitAreDroppedNotOverflowed(int mask, int requested, int expected)
    {
        TcpOptions options = MakeOptions(mask, requested);
        Assert.InRange(options.WireLength, 0, TcpOptions.MaxLength);
        Assert.Equal(0, options.WireLength % 4);

        // Poison the bytes after the 40-byte area to catch any write beyond WireLength.
        byte[] area = new byte[TcpOptions.MaxLength + 16];
        area.AsSpan().Fill(0xEE);
        int written = options.WriteTo(area);
        Assert.Equal(options.WireLength, written);
        Assert.All(area.AsSpan(written).ToArray(), b => Assert.Equal(0xEE, b));

        Assert.True(TcpOptions.TryParse(area.AsSpan(0, written), out TcpOptions parsed));
        Assert.Equal(expected, parsed.SackCount);
    }

    [Fact]
    public void MoreSackBlocksRequestedThanTheArrayHoldsIsClamped()
    {
        TcpOptions options = MakeOptions(0, 4);
        options.SackCount = 100;
        byte[] area = new byte[TcpOptions.MaxLength];
        Assert.Equal(36, options.WriteTo(area));
        Assert.True(TcpOptions.TryParse(area.AsSpan(0, 36), out TcpOptions parsed));
        Assert.Equal(4, parsed.SackCount);
    }

    [Fact]
    public void NoOptionsWritesAMinimalHeader()
    {
        TcpOptions none = default;
        Assert.Equal(0, none.WireLength);
        byte[] segment = SampleSegment(ClientV4, ServerV4).Options(none).Payload([1, 2, 3]).Flags(TcpFlags.Syn).BuildTransport();
        Assert.Equal(23, segment.Length);
        Assert.Equal(0x50, segment[12]);
        Assert.True(TcpHeader.TryParse(segment, ClientV4, ServerV4, true, out TcpHeader tcp, out _));
        Assert.True(tcp.Options.IsEmpty);
        Assert.Equal(TcpFlags.Syn, tcp.Flags);
    }

    [Fact]
    public void LinuxStyleSynOptionLayout()
    {
        // MSS, SACK-permitted + timestamps, NOP + window scale: the 20-byte layout of a Linux SYN.
        TcpOptions options = MakeOptions(15, 0);
        byte[] area = new byte[40];
        int n = options.WriteTo(area);
        byte[] expected =
        [
            2, 4, 0x05, 0xB4,
            4, 2, 8, 10, 0xFE, 0xDC, 0xBA, 0x98, 0x01, 0x23, 0x45, 0x67,
            1, 3, 3, 7,
        ];
        Assert.Equal(expected, area.AsSpan(0, n).ToArray());
    }

    [Fact]
    public void AllFlagsRoundTrip()
    {
        for (int f = 0; f < 256; f++)
        {
            byte[] segment = SampleSegment(ClientV4, ServerV4).Flags((TcpFlags)f).BuildTransport();
            Assert.True(TcpHeader.TryParse(segment, ClientV4, ServerV4, true, out TcpHeader tcp, out _));
            Assert.Equal((TcpFlags)f, tcp.Flags);
        }
    }

    [Fact]
    public void FlippingAnySingleBitFailsChecksumVerification()
    {
        TcpOptions options = default;
        options.HasMss = true;
        options.Mss = 1400;
        byte[] original = SampleSegment(ClientV4, ServerV4).Options(options).Payload([0x10, 0x20, 0x30, 0x40, 0x50]).BuildTransport();
        Assert.True(TcpHeader.TryParse(original, ClientV4, ServerV4, true, out _, out _));
        for (int bit = 0; bit < original.Length * 8; bit++)
        {
            byte[] corrupt = (byte[])original.Clone();
            corrupt[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            bool ok = TcpHeader.TryParse(corrupt, ClientV4, ServerV4, true, out _, out DropReason reason);
            Assert.False(ok, $"bit {bit} flipped went undetected");
            // Bits of the data offset may also make the header length invalid; everything else is a checksum failure.
            if (bit / 8 != 12)
            {
                Assert.Equal(DropReason.BadTcpChecksum, reason);
            }
        }
    }

    [Fact]
    public void FlippingAnyPseudoHeaderBitFailsChecksumVerification()
    {
        foreach (bool v6 in new[] { false, true })
        {
            IpAddress source = v6 ? ClientV6 : ClientV4;
            IpAddress destination = v6 ? ServerV6 : ServerV4;
            byte[] segment = SampleSegment(source, destination).Options(SampleOptions()).Payload([9, 8, 7]).BuildTransport();
            byte[] address = new byte[16];
            int length = source.WriteTo(address);
            for (int bit = 0; bit < length * 8; bit++)
            {
                address[bit / 8] ^= (byte)(1 << (bit % 8));
                IpAddress wrong = v6 ? IpAddress.FromIPv6Bytes(address) : IpAddress.FromIPv4Bytes(address);
                address[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.False(TcpHeader.TryParse(segment, wrong, destination, true, out _, out DropReason r1));
                Assert.Equal(DropReason.BadTcpChecksum, r1);
                Assert.False(TcpHeader.TryParse(segment, destination, wrong, true, out _, out DropReason r2));
                Assert.Equal(DropReason.BadTcpChecksum, r2);
            }
            Assert.True(TcpHeader.TryParse(segment, source, destination, true, out _, out _));
        }
    }

    [Fact]
    public void ChecksumIsNotCheckedWhenNotAsked()
    {
        byte[] segment = SampleSegment(ClientV4, ServerV4).Options(SampleOptions()).Payload([1, 2, 3]).BuildTransport();
        segment[16] ^= 0xFF;
        Assert.False(TcpHeader.TryParse(segment, ClientV4, ServerV4, true, out _, out _));
        Assert.True(TcpHeader.TryParse(segment, ClientV4, ServerV4, false, out TcpHeader tcp, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(3, tcp.Payload.Length);
    }

    [Fact]
    public void ShorterThanTheFixedHeaderIsTruncated()
    {
        byte[] segment = SampleSegment(ClientV4, ServerV4).BuildTransport();
        for (int length = 0; length < 20; length++)
        {
            Assert.False(TcpHeader.TryParse(segment.AsSpan(0, length), ClientV4, ServerV4, false, out _, out DropReason reason));
            Assert.Equal(DropReason.Truncated, reason);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void DataOffsetBelowFiveIsABadHeaderLength(int dataOffset)
    {
        byte[] segment = SampleSegment(ClientV4, ServerV4).Payload([1, 2, 3, 4, 5, 6, 7, 8]).BuildTransport();
        segment[12] = (byte)(dataOffset << 4);
        FixTcpChecksum(segment, ClientV4, ServerV4);
        foreach (bool verify in new[] { false, true })
        {
            Assert.False(TcpHeader.TryParse(segment, ClientV4, ServerV4, verify, out _, out DropReason reason));
            Assert.Equal(DropReason.BadTcpHeaderLength, reason);
        }
    }

    [Theory]
    [InlineData(6, 23)]
    [InlineData(15, 59)]
    [InlineData(15, 20)]
    public void DataOffsetBeyondTheBufferIsABadHeaderLength(int dataOffset, int segmentLength)
    {
        byte[] segment = new byte[segmentLength];
        SampleSegment(ClientV4, ServerV4).Payload(new byte[segmentLength - 20]).BuildTransport().CopyTo(segment, 0);
        segment[12] = (byte)(dataOffset << 4);
        FixTcpChecksum(segment, ClientV4, ServerV4);
        Assert.False(TcpHeader.TryParse(segment, ClientV4, ServerV4, true, out _, out DropReason reason));
        Assert.Equal(DropReason.BadTcpHeaderLength, reason);
    }

    [Fact]
    public void DataOffsetExactlyAtTheEndLeavesAnEmptyPayload()
    {
        byte[] segment = SampleSegment(ClientV4, ServerV4).Payload(new byte[40]).BuildTransport();
        segment[12] = 0xF0;
        FixTcpChecksum(segment, ClientV4, ServerV4);
        Assert.True(TcpHeader.TryParse(segment, ClientV4, ServerV4, true, out TcpHeader tcp, out _));
        Assert.Equal(60, tcp.HeaderLength);
        Assert.Equal(40, tcp.Options.Length);
        Assert.True(tcp.Payload.IsEmpty);
    }

    [Fact]
    public void ReservedBitsAreReadButDoNotFailParsing()
    {
        byte[] segment = SampleSegment(ClientV4, ServerV4).BuildTransport();
        segment[12] |= 0x0E;
        FixTcpChecksum(segment, ClientV4, ServerV4);
        Assert.True(TcpHeader.TryParse(segment, ClientV4, ServerV4, true, out TcpHeader tcp, out _));
        Assert.Equal(7, tcp.Reserved);
        Assert.Equal(20, tcp.HeaderLength);
    }

    [Fact]
    public void TcpInsideIPv4RoundTrips()
    {
        byte[] packet = SampleSegment(ClientV4, ServerV4).Options(SampleOptions()).Payload("hello"u8).TrailingPadding(4).Build();
        Assert.True(IPv4Packet.TryParse(packet, out IPv4Packet ip, out _));
        Assert.True(TcpHeader.TryParse(ip.Payload, ip.Source, ip.Destination, true, out TcpHeader tcp, out _));
        Assert.Equal("hello"u8.ToArray(), tcp.Payload.ToArray());
    }
}
