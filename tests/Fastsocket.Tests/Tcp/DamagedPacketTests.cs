using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp;

/// <summary>
/// A damaged SYN to an open listener is dropped without a reply and counted under its <see cref="DropReason"/>;
/// the same SYN undamaged is then answered, so the listener was there to answer all along.
/// </summary>
public class DamagedPacketTests
{
    /// <summary>What is broken in the SYN.</summary>
    public enum Damage
    {
        BadIpChecksum,
        BadTcpChecksum,
        IpTotalLengthBeyondTheBytes,
        IpTotalLengthShorterThanTheHeader,
        TcpDataOffsetBeyondTheSegment,
        TcpDataOffsetBelowTheMinimum,
        TruncatedInsideTheIpHeader,
        TruncatedInsideTheTcpHeader,
    }

    [Theory]
    [DesignData(Damage.BadIpChecksum, DropReason.BadIpChecksum)]
    [DesignData(Damage.BadTcpChecksum, DropReason.BadTcpChecksum)]
    [DesignData(Damage.IpTotalLengthBeyondTheBytes, DropReason.BadIpTotalLength)]
    [DesignData(Damage.IpTotalLengthShorterThanTheHeader, DropReason.BadIpTotalLength)]
    [DesignData(Damage.TcpDataOffsetBeyondTheSegment, DropReason.BadTcpHeaderLength)]
    [DesignData(Damage.TcpDataOffsetBelowTheMinimum, DropReason.BadTcpHeaderLength)]
    [DesignData(Damage.TruncatedInsideTheIpHeader, DropReason.Truncated)]
    [DesignData(Damage.TruncatedInsideTheTcpHeader, DropReason.BadIpTotalLength)]
    public void DamagedSynIsDroppedAndCounted(BenchDesign design, Damage damage, DropReason reason)
    {
        var bench = new TcpTestBench(design);
        bench.Engine.Listen(TcpTestBench.LocalPort, 16, bench.Handler);
        long before = bench.Engine.Statistics.Drops[reason];

        bench.InjectRaw(Damaged(Syn(), damage).Build());

        bench.ExpectNothing();
        Assert.Equal(before + 1, bench.Engine.Statistics.Drops[reason]);
        Assert.Equal(0, bench.Engine.ConnectionCount);
        bench.InjectRaw(Syn().Build());
        bench.Expect(Flags(TcpFlags.Syn | TcpFlags.Ack), Ack(1001), Mss(1460));
    }

    private static PacketBuilder Syn() => TcpTestBench.FromPeer().Flags(TcpFlags.Syn).Seq(1000).Mss(1460);

    private static PacketBuilder Damaged(PacketBuilder syn, Damage damage) => damage switch
    {
        Damage.BadIpChecksum => syn.BadIpChecksum(),
        Damage.BadTcpChecksum => syn.BadTcpChecksum(),
        Damage.IpTotalLengthBeyondTheBytes => syn.IpTotalLength(200),
        Damage.IpTotalLengthShorterThanTheHeader => syn.IpTotalLength(12),
        Damage.TcpDataOffsetBeyondTheSegment => syn.TcpDataOffset(60),
        Damage.TcpDataOffsetBelowTheMinimum => syn.TcpDataOffset(16),
        Damage.TruncatedInsideTheIpHeader => syn.TruncateTo(12),
        Damage.TruncatedInsideTheTcpHeader => syn.TruncateTo(30),
        _ => throw new ArgumentOutOfRangeException(nameof(damage)),
    };
}
