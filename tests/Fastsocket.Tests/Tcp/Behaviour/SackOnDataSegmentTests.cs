using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// In a two-way transfer with losses we hold out-of-order data while sending full-sized segments: SACK blocks must
/// then give way to payload, never push a segment past the peer's MSS (RFC 6691) or our MTU.
/// </summary>
public class SackOnDataSegmentTests
{
    [Theory]
    [DesignData]
    public void FullSizedDataSegmentsWhileHoldingOutOfOrderDataStayWithinTheMss(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        var syn = new TcpOptions { HasMss = true, Mss = 1460, SackPermitted = true, HasTimestamps = true, TsVal = 100 };
        (var connection, uint iss) = bench.PassiveEstablished(5000, syn);
        Assert.True(connection.SackEnabled);

        // Three separate holes on our receive side: each out-of-order segment is answered with SACK blocks.
        for (int i = 1; i <= 3; i++)
        {
            bench.Inject(new Segment
            {
                Flags = TcpFlags.Ack,
                Seq = 5001 + (uint)(i * 2000),
                Ack = iss + 1,
                Options = new TcpOptions { HasTimestamps = true, TsVal = 200, TsEcr = 0 },
                Payload = new byte[100],
            });
        }
        while (bench.Device.Sent.Count > 0)
        {
            Segment ack = bench.Expect();
            Assert.True(ack.Options.SackCount > 0);
        }

        Assert.Equal(10_000, connection.Write(new byte[10_000]));
        bench.Engine.FlushPending();
        int sent = 0;
        while (bench.Device.Sent.Count > 0)
        {
            Segment data = bench.Expect();
            Assert.True(data.Options.WireLength + data.Payload.Length <= 1460,
                $"{data.Options.WireLength} bytes of options and {data.Payload.Length} of payload exceed the MSS");
            sent += data.Payload.Length;
        }
        Assert.True(sent > 0);
    }
}
