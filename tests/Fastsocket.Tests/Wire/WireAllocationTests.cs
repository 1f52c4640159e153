using Fastsocket.Wire;
using static Fastsocket.Tests.Wire.WireReference;

namespace Fastsocket.Tests.Wire;

/// <summary>The wire layer is on the per-packet path: checksumming, parsing and writing must not allocate.</summary>
public sealed class WireAllocationTests
{
    private static long AllocatedBy(Action action)
    {
        action(); // warm up (JIT, static initialization)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            action();
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void ChecksumOfEvenAndOddLengthsAllocatesNothing()
    {
        byte[] data = RandomBytes(new Random(1), 1501);
        ulong sink = 0;
        Assert.Equal(0, AllocatedBy(() =>
        {
            sink += InternetChecksum.Accumulate(data);
            sink += InternetChecksum.Accumulate(data.AsSpan(0, 1500));
            sink += InternetChecksum.Accumulate(data.AsSpan(0, 33));
            sink += InternetChecksum.Accumulate(data.AsSpan(0, 3));
            sink += InternetChecksum.PseudoHeader(ClientV6, ServerV6, IpProtocol.Tcp, 1501);
        }));
        Assert.NotEqual(0UL, sink);
    }

    [Fact]
    public void ParsingAllocatesNothing()
    {
        byte[] packet = SampleSegment(ClientV4, ServerV4).Options(SampleOptions()).Payload(new byte[101]).Build();
        byte[] echo = new byte[20];
        IcmpV4Writer.WriteEcho(echo, false, 1, 1, new byte[12]);
        long sink = 0;
        Assert.Equal(0, AllocatedBy(() =>
        {
            if (IPv4Packet.TryParse(packet, out IPv4Packet ip, out _) &&
                TcpHeader.TryParse(ip.Payload, ip.Source, ip.Destination, true, out TcpHeader tcp, out _) &&
                TcpOptions.TryParse(tcp.Options, out TcpOptions options) &&
                IcmpV4Packet.TryParse(echo, out IcmpV4Packet icmp, out _))
            {
                sink += tcp.Payload.Length + options.SackCount + icmp.Body.Length;
            }
        }));
        Assert.NotEqual(0, sink);
    }

    [Fact]
    public void WritingAllocatesNothing()
    {
        byte[] buffer = new byte[1600];
        byte[] payload = new byte[1001];
        TcpOptions options = SampleOptions();
        Assert.Equal(0, AllocatedBy(() =>
        {
            int n = IPv4Header.Write(buffer, ClientV4, ServerV4, IpProtocol.Tcp, 1061, 1);
            TcpSegmentWriter.Write(buffer.AsSpan(n), ClientV4, 1, ServerV4, 2, 3, 4, TcpFlags.Ack, 5, options, payload);
            IcmpV4Writer.WriteEcho(buffer, true, 1, 2, payload.AsSpan(0, 57));
            IcmpV4Writer.WriteDestinationUnreachable(buffer.AsSpan(200), 3, buffer.AsSpan(0, 100));
        }));
    }
}
