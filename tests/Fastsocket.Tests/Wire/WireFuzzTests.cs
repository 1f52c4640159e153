using CsCheck;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Wire.WireReference;

namespace Fastsocket.Tests.Wire;

/// <summary>
/// Robustness: the parsers must reject or accept any byte string without throwing, and every accessor of an accepted
/// view must stay inside its buffer. Inputs are random bytes and mutations of valid packets (so that the deeper
/// checks are reached), some with their checksums repaired after mutation.
/// </summary>
public sealed class WireFuzzTests
{
    private static readonly byte[][] Seeds = BuildSeeds();

    private static byte[][] BuildSeeds()
    {
        TcpOptions syn = default;
        syn.HasMss = true;
        syn.Mss = 1460;
        syn.HasWindowScale = true;
        syn.WindowScale = 7;
        syn.SackPermitted = true;
        syn.HasTimestamps = true;
        byte[] unreachable = new byte[8 + 28];
        IcmpV4Writer.WriteDestinationUnreachable(unreachable, 3, PacketBuilder.Ip(ClientV4, ServerV4, IpProtocol.Tcp).Payload(new byte[40]).Build());
        return
        [
            SampleSegment(ClientV4, ServerV4).Options(syn).Flags(TcpFlags.Syn).Build(),
            SampleSegment(ClientV4, ServerV4).Options(SampleOptions()).Payload(new byte[37]).Build(),
            SampleSegment(ClientV4, ServerV4).Payload([1]).TrailingPadding(5).Build(),
            PacketBuilder.IcmpEcho(ServerV4, ClientV4, 1, 2).Payload(new byte[24]).Build(),
            PacketBuilder.Ip(ServerV4, ClientV4, IpProtocol.Icmp).Payload(unreachable).Build(),
        ];
    }

    /// <summary>A plain check for the hot loop (xunit assertions cost more than the parsers under test).</summary>
    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            Assert.Fail(what);
        }
    }

    /// <summary>Runs every parser over <paramref name="buffer"/> and reads everything an accepted view exposes.</summary>
    private static long Exercise(ReadOnlySpan<byte> buffer)
    {
        long touched = 0;
        if (IPv4Packet.TryParse(buffer, out IPv4Packet ip, out DropReason ipReason))
        {
            Check(ipReason == DropReason.None, "IPv4 accepted with a drop reason");
            touched += ip.HeaderLength + ip.TypeOfService + ip.TotalLength + ip.Identification + ip.FragmentOffset +
                ip.TimeToLive + ip.Protocol + ip.HeaderChecksum + ip.Source.Fold() + ip.Destination.Fold() +
                ip.Header.Length + ip.Options.Length + ip.Payload.Length + (ip.DontFragment ? 1 : 0) + (ip.MoreFragments ? 1 : 0);
            Check(ip.HeaderLength is >= 20 and <= 60, "IPv4 header length out of range");
            Check(ip.TotalLength == ip.HeaderLength + ip.Payload.Length, "IPv4 payload does not end at Total Length");
            touched += ExerciseTransport(ip.Payload, ip.Source, ip.Destination);
        }
        else
        {
            Check(ipReason != DropReason.None, "IPv4 rejected without a reason");
        }
        // The raw buffer as a transport message too, with either family's pseudo-header.
        touched += (buffer.Length & 1) == 0
            ? ExerciseTransport(buffer, ClientV4, ServerV4)
            : ExerciseTransport(buffer, ClientV6, ServerV6);
        return touched;
    }

    private static long ExerciseTransport(ReadOnlySpan<byte> data, IpAddress source, IpAddress destination)
    {
        long touched = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            bool verify = pass == 1;
            if (TcpHeader.TryParse(data, source, destination, verify, out TcpHeader tcp, out DropReason reason))
            {
                Check(reason == DropReason.None, "TCP accepted with a drop reason");
                touched += tcp.SourcePort + tcp.DestinationPort + tcp.SequenceNumber + tcp.AcknowledgmentNumber +
                    tcp.HeaderLength + tcp.Reserved + (int)tcp.Flags + tcp.Window + tcp.Checksum + tcp.UrgentPointer +
                    tcp.Options.Length + tcp.Payload.Length + tcp.SegmentLength;
                Check(tcp.SegmentLength == tcp.HeaderLength + tcp.Payload.Length, "TCP header and payload do not add up");
                touched += ExerciseOptions(tcp.Options);
            }
            else
            {
                Check(reason != DropReason.None, "TCP rejected without a reason");
            }
        }
        touched += ExerciseOptions(data);
        if (IcmpV4Packet.TryParse(data, out IcmpV4Packet icmp, out DropReason icmpReason))
        {
            Check(icmpReason == DropReason.None, "ICMP accepted with a drop reason");
            touched += icmp.Type + icmp.Code + icmp.Checksum + icmp.Identifier + icmp.SequenceNumber + icmp.NextHopMtu +
                icmp.Body.Length + icmp.Message.Length;
        }
        else
        {
            Check(icmpReason != DropReason.None, "ICMP rejected without a reason");
        }
        return touched;
    }

    private static long ExerciseOptions(ReadOnlySpan<byte> area)
    {
        if (!TcpOptions.TryParse(area, out TcpOptions options))
        {
            return 0;
        }
        Check(options.SackCount is >= 0 and <= TcpOptions.MaxSackBlocks, "SACK count out of range");
        long touched = options.Mss + options.WindowScale + options.TsVal + options.TsEcr + options.SackCount;
        for (int b = 0; b < options.SackCount; b++)
        {
            touched += options.Sack[b].Left + options.Sack[b].Right;
        }
        // Whatever was parsed can be written back within the 40-byte limit.
        Span<byte> written = stackalloc byte[TcpOptions.MaxLength];
        int n = options.WriteTo(written);
        Check(n is >= 0 and <= TcpOptions.MaxLength, "options rewritten beyond 40 bytes");
        return touched + n;
    }

    /// <summary>A mutation of a seed packet: byte changes, truncation, extension, header-length nudges, repaired checksums.</summary>
    private static byte[] Mutate(Random random)
    {
        byte[] seed = Seeds[random.Next(Seeds.Length)];
        int length = random.Next(4) switch
        {
            0 => random.Next(0, seed.Length + 1),
            1 => seed.Length + random.Next(0, 16),
            _ => seed.Length,
        };
        byte[] data = new byte[length];
        seed.AsSpan(0, Math.Min(length, seed.Length)).CopyTo(data);
        int edits = random.Next(0, 6);
        for (int e = 0; e < edits && length > 0; e++)
        {
            int at = random.Next(4) == 0 ? random.Next(Math.Min(length, 60)) : random.Next(length);
            data[at] = random.Next(3) switch
            {
                0 => (byte)(data[at] ^ (1 << random.Next(8))),
                1 => (byte)random.Next(256),
                _ => (byte)(random.Next(2) == 0 ? 0 : 0xFF),
            };
        }
        if (length >= 20 && random.Next(2) == 0)
        {
            // Keep the IP header plausible so the parse gets past the early checks.
            data[0] = (byte)(0x40 | random.Next(16));
            if (random.Next(2) == 0)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2), (ushort)random.Next(0, length + 8));
            }
            if ((data[0] & 0x0F) * 4 <= length && (data[0] & 0x0F) >= 5)
            {
                FixIPv4Checksum(data);
            }
        }
        int ihl = length > 0 ? (data[0] & 0x0F) * 4 : 0;
        if (ihl >= 20 && length >= ihl + 20 && random.Next(2) == 0)
        {
            // Nudge the TCP data offset and repair its checksum so option parsing is reached with odd layouts.
            Span<byte> segment = data.AsSpan(ihl);
            if (random.Next(2) == 0)
            {
                segment[12] = (byte)(random.Next(16) << 4);
            }
            FixTcpChecksum(segment, IpAddress.FromIPv4Bytes(data.AsSpan(12)), IpAddress.FromIPv4Bytes(data.AsSpan(16)));
        }
        return data;
    }

    [Fact]
    public void SeedsAreValid()
    {
        foreach (byte[] seed in Seeds)
        {
            Assert.True(IPv4Packet.TryParse(seed, out IPv4Packet ip, out _));
            if (ip.Protocol == IpProtocol.Tcp)
            {
                Assert.True(TcpHeader.TryParse(ip.Payload, ip.Source, ip.Destination, true, out TcpHeader tcp, out _));
                Assert.True(TcpOptions.TryParse(tcp.Options, out _));
            }
            else
            {
                Assert.True(IcmpV4Packet.TryParse(ip.Payload, out _, out _));
            }
        }
    }

    [Fact]
    public void DeterministicMutationsNeverThrow()
    {
        var random = new Random(20240601);
        long touched = 0;
        int ipAccepted = 0;
        for (int i = 0; i < 200_000; i++)
        {
            byte[] data = i % 4 == 0 ? RandomBytes(random, random.Next(0, 80)) : Mutate(random);
            touched += Exercise(data);
            if (IPv4Packet.TryParse(data, out _, out _))
            {
                ipAccepted++;
            }
        }
        Assert.NotEqual(0, touched);
        // The mutations must reach the accepting paths often, or the accessors are not being exercised.
        Assert.True(ipAccepted > 10_000, $"only {ipAccepted} IPv4 packets accepted");
    }

    [Fact]
    public void PropertyParsersNeverThrowOnRandomBytes()
    {
        Gen.Byte.Array[0, 100].Sample(data => { Exercise(data); }, iter: 20_000);
    }

    [Fact]
    public void PropertyParsersNeverThrowOnMutatedPackets()
    {
        Gen.Int.Sample(seed => { Exercise(Mutate(new Random(seed))); }, iter: 20_000);
    }

    [Fact]
    public void PropertyOptionParserNeverThrowsOnOptionLikeBytes()
    {
        // Bias toward small kinds and lengths, where the interesting boundaries are.
        Gen<byte> optionByte = Gen.Frequency((3, Gen.Byte[0, 12]), (1, Gen.Byte));
        optionByte.Array[0, 44].Sample(area => { ExerciseOptions(area); }, iter: 20_000);
    }
}
