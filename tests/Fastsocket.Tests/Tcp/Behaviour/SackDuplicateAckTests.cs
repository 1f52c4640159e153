using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>
/// RFC 6675's duplicate ACK with SACK: an ACK that SACKs bytes not SACKed before counts towards fast retransmit even
/// when it carries data, as the ACKs of a peer that sends data of its own (an echo peer) do. Without SACK, or without
/// new SACK information, RFC 5681's strict definition stands.
/// </summary>
public class SackDuplicateAckTests
{
    private const int Mss = 1460;
    private const uint PeerIss = 1000;

    private static (TcpConnection Connection, uint Una) TenInFlight(TcpTestBench bench, bool sack)
    {
        var syn = new TcpOptions { HasMss = true, Mss = Mss, SackPermitted = sack };
        (TcpConnection connection, uint iss) = bench.PassiveEstablished(PeerIss, syn);
        Assert.Equal(sack, connection.SackEnabled);
        bench.WriteAndFlush(connection, Peer.Data(10 * Mss));
        Assert.Equal(10, bench.Drain().Count);
        return (connection, iss + 1);
    }

    /// <summary>The peer's data segment n (its own stream), acknowledging <paramref name="ack"/> and SACKing one range.</summary>
    private static Segment DataWithSack(int n, uint ack, uint sackLeft, uint sackRight)
    {
        var options = new TcpOptions { SackCount = 1 };
        options.Sack[0] = new SackBlock(sackLeft, sackRight);
        return new Segment
        {
            Flags = TcpFlags.Ack | TcpFlags.Psh,
            Seq = PeerIss + 1 + (uint)(n * 100),
            Ack = ack,
            Window = 65535,
            Options = options,
            Payload = new byte[100],
        };
    }

    [Fact]
    public void DataBearingAcksThatSackNewBytesTriggerFastRetransmit()
    {
        // NewReno pinned: its cut (ssthresh = FlightSize / 2, plus 3 SMSS) is what the window assertion checks.
        var bench = new TcpTestBench(BenchDesign.Standalone, new TcpConfig { CongestionControl = CongestionControlAlgorithm.NewReno });
        (TcpConnection connection, uint una) = TenInFlight(bench, sack: true);

        // The first segment was lost; segments 2, 3 and 4 arrive and each of the peer's data segments SACKs one more.
        for (int i = 1; i <= 3; i++)
        {
            bench.Inject(DataWithSack(i - 1, una, una + Mss, una + (uint)((i + 1) * Mss)));
        }

        Assert.Equal(1, bench.Engine.Statistics.FastRetransmits);
        Assert.Contains(bench.Drain(), s => s.Seq == una && s.Payload.Length == Mss);
        Assert.True(connection.CongestionWindow < 10 * Mss);
    }

    [Fact]
    public void DataBearingAcksWithNothingNewSackedAreNotDuplicates()
    {
        var bench = new TcpTestBench(BenchDesign.Standalone);
        (_, uint una) = TenInFlight(bench, sack: true);
        // A 10 ms round trip, so RACK's reordering window (a quarter of it) is open while one segment is SACKed.
        bench.Advance(10_000);

        // The same SACK block three times: only the first told us anything, and one SACKed segment is not yet a loss.
        for (int i = 0; i < 3; i++)
        {
            bench.Inject(DataWithSack(i, una, una + Mss, una + 2 * Mss));
        }

        Assert.Equal(0, bench.Engine.Statistics.FastRetransmits);
        Assert.DoesNotContain(bench.Drain(), s => s.Payload.Length > 0);
    }
}
