using Fastsocket.Devices;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Devices.Nic;

public sealed class ToeplitzHashTests
{
    private static readonly ToeplitzHash Standard = new(ToeplitzKey.Standard);
    private static readonly ToeplitzHash Symmetric = new(ToeplitzKey.Symmetric);

    // Microsoft's RSS verification suite ("Verifying the RSS Hash Calculation"), IPv4 rows:
    // destination, source, IPv4-only (2-tuple) hash, IPv4 with TCP (4-tuple) hash.
    public static TheoryData<string, ushort, string, ushort, uint, uint> IPv4Vectors => new()
    {
        { "161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178 },
        { "65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea },
        { "12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a },
        { "209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f },
        { "202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5, 0x10e828a2 },
    };

    // The same suite's IPv6 rows.
    public static TheoryData<string, ushort, string, ushort, uint, uint> IPv6Vectors => new()
    {
        { "3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794, 0x2cc18cd5, 0x40207d3d },
        { "ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230, 0x0f0c461c, 0xdde51bbf },
        { "fe80::200:f8ff:fe21:67cf", 38024, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, 0x4b61e985, 0x02d1feef },
    };

    [Theory]
    [MemberData(nameof(IPv4Vectors))]
    [MemberData(nameof(IPv6Vectors))]
    public void Matches_the_published_verification_suite(string destination, ushort destinationPort, string source,
        ushort sourcePort, uint twoTuple, uint fourTuple)
    {
        IpAddress src = IpAddress.Parse(source);
        IpAddress dst = IpAddress.Parse(destination);
        Assert.Equal(twoTuple, Standard.Hash(src, dst));
        Assert.Equal(fourTuple, Standard.Hash(src, dst, sourcePort, destinationPort));
    }

    [Theory]
    [MemberData(nameof(IPv4Vectors))]
    public void IPv4_fast_path_and_raw_input_agree(string destination, ushort destinationPort, string source,
        ushort sourcePort, uint twoTuple, uint fourTuple)
    {
        IpAddress src = IpAddress.Parse(source);
        IpAddress dst = IpAddress.Parse(destination);
        Assert.Equal(fourTuple, Standard.HashIPv4(src.V4, dst.V4, sourcePort, destinationPort));
        Assert.Equal(twoTuple, Standard.HashIPv4(src.V4, dst.V4));

        byte[] input = new byte[12];
        src.WriteTo(input);
        dst.WriteTo(input.AsSpan(4));
        input[8] = (byte)(sourcePort >> 8);
        input[9] = (byte)sourcePort;
        input[10] = (byte)(destinationPort >> 8);
        input[11] = (byte)destinationPort;
        Assert.Equal(fourTuple, Standard.Compute(input));
        Assert.Equal(twoTuple, Standard.Compute(input.AsSpan(0, 8)));
    }

    [Fact]
    public void Table_lookup_equals_the_bit_by_bit_definition_for_random_inputs()
    {
        var random = new Random(7);
        byte[] input = new byte[36];
        for (int i = 0; i < 500; i++)
        {
            int length = random.Next(0, 37);
            random.NextBytes(input);
            Assert.Equal(BitwiseReference(ToeplitzKey.Standard.Bytes, input.AsSpan(0, length)),
                Standard.Compute(input.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Symmetric_key_hashes_both_directions_alike()
    {
        var random = new Random(11);
        for (int i = 0; i < 2000; i++)
        {
            IpAddress a = IpAddress.FromIPv4((uint)random.Next() ^ ((uint)random.Next() << 1));
            IpAddress b = IpAddress.FromIPv4((uint)random.Next() ^ ((uint)random.Next() << 1));
            ushort pa = (ushort)random.Next(65536);
            ushort pb = (ushort)random.Next(65536);
            Assert.Equal(Symmetric.Hash(a, b, pa, pb), Symmetric.Hash(b, a, pb, pa));
            Assert.Equal(Symmetric.Hash(a, b), Symmetric.Hash(b, a));

            byte[] six = new byte[16];
            random.NextBytes(six);
            IpAddress c = IpAddress.FromIPv6Bytes(six);
            random.NextBytes(six);
            IpAddress d = IpAddress.FromIPv6Bytes(six);
            Assert.Equal(Symmetric.Hash(c, d, pa, pb), Symmetric.Hash(d, c, pb, pa));
        }
    }

    [Fact]
    public void Standard_key_is_not_symmetric()
    {
        IpAddress a = IpAddress.Parse("66.9.149.187");
        IpAddress b = IpAddress.Parse("161.142.100.80");
        Assert.NotEqual(Standard.Hash(a, b, 2794, 1766), Standard.Hash(b, a, 1766, 2794));
    }

    [Fact]
    public void Keys_are_validated()
    {
        Assert.Equal(40, ToeplitzKey.Standard.Length);
        Assert.Equal(0x6d, ToeplitzKey.Symmetric.Bytes[38]);
        Assert.Equal(0x5a, ToeplitzKey.Symmetric.Bytes[39]);
        Assert.Throws<ArgumentException>(() => new ToeplitzKey(new byte[39]));
        Assert.Throws<ArgumentException>(() => Standard.Compute(new byte[37]));
    }

    /// <summary>The specification's definition: for every set input bit, XOR in the 32 key bits starting there.</summary>
    private static uint BitwiseReference(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input)
    {
        uint result = 0;
        for (int bit = 0; bit < input.Length * 8; bit++)
        {
            if ((input[bit / 8] & (0x80 >> (bit % 8))) == 0)
            {
                continue;
            }

            uint window = 0;
            for (int k = 0; k < 32; k++)
            {
                int keyBit = bit + k;
                window = (window << 1) | (uint)((key[keyBit / 8] >> (7 - (keyBit % 8))) & 1);
            }

            result ^= window;
        }

        return result;
    }
}
