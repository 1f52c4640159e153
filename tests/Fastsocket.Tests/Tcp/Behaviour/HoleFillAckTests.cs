using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// The segment that fills a hole is acknowledged at once (RFC 5681 4.2), even when more segments arrive in the same
/// receive batch: a sender that resent the hole with new data behind it learns from that ACK that its recovery is
/// over, so losing the batch's last ACK costs it a tail loss probe, not a retransmission timeout. Packet by packet on
/// the virtual clock, one batch being several packets delivered before one poll.
/// </summary>
public class HoleFillAckTests
{
    private const int Mss = 1460;
    private const uint PeerIss = 1000;
    private const uint Next = PeerIss + 1;

    private static byte[] Data(uint seq, uint iss) =>
        TcpTestBench.FromPeer().Flags(TcpFlags.Ack).Seq(seq).Ack(iss + 1).Window(65535).Payload(Peer.Data(Mss, (int)seq)).Build();

    [Theory]
    [DesignData]
    public void TheSegmentThatFillsAHoleIsAcknowledgedBeforeTheRestOfItsBatch(BenchDesign design)
    {
        var bench = new TcpTestBench(design);
        (_, uint iss) = bench.PassiveEstablished(PeerIss, new TcpOptions { HasMss = true, Mss = Mss, SackPermitted = true });
        bench.Device.Sent.Clear();

        // Segment 0 is lost; 1 and 2 arrive and are SACKed.
        bench.InjectRaw(Data(Next + Mss, iss));
        bench.InjectRaw(Data(Next + 2 * Mss, iss));
        bench.Device.Sent.Clear();

        // One batch: the resent segment 0, then new segments 3 to 5.
        bench.Device.Deliver(Data(Next, iss));
        for (uint i = 3; i <= 5; i++)
        {
            bench.Device.Deliver(Data(Next + i * Mss, iss));
        }
        bench.Engine.Poll();

        Segment fill = bench.Expect(Ack(Next + 3 * Mss));
        Assert.Equal(0, fill.Options.SackCount);
        bench.Expect(Ack(Next + 6 * Mss));
        bench.ExpectNothing();
    }
}
