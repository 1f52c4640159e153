using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Fastsocket.Wire;

namespace Fastsocket.Benchmarks;

/// <summary>
/// RFC 1071 checksum over typical sizes: a bare TCP/IP header (40), the IPv4 minimum MTU (576), an Ethernet
/// MSS (1460), a jumbo frame (9000) and the largest IP packet (65535, odd, so the trailing-byte path runs).
/// The baseline is RFC 1071's reference loop: one big-endian 16-bit word at a time into a 32-bit sum, folded at the end
/// (no carry is lost: 32768 words of at most 0xFFFF stay below 2^32).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class ChecksumBenchmarks
{
    private byte[] _data = [];

    [Params(40, 576, 1460, 9000, 65535)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(42).NextBytes(_data);
        if (NaiveScalar() != InternetChecksum.Compute(_data))
        {
            throw new InvalidOperationException("the naive baseline and InternetChecksum disagree");
        }
    }

    [Benchmark(Baseline = true)]
    public ushort NaiveScalar()
    {
        byte[] data = _data;
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8 | data[i + 1]);
        }
        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    [Benchmark]
    public ushort Vectorized() => InternetChecksum.Compute(_data);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new ThroughputColumn());
        }
    }
}
