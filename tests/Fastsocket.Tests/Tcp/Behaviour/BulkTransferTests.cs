using Fastsocket.Simulation;

namespace Fastsocket.Tests.Tcp.Behaviour;

/// <summary>Whole transfers between two stacks over a faulty in-memory link: every byte must arrive intact and in order.</summary>
public class BulkTransferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void LossyTransferOnVirtualTimeDeliversEveryByte(int seed)
    {
        TransferReport report = TransferRunner.Run(new TransferSpec
        {
            Bytes = 50_000_000,
            Loss = 0.02,
            Reorder = 0.02,
            Duplicate = 0.01,
            Corrupt = 0.001,
            Seed = seed,
            VirtualTime = true,
        });
        Assert.Null(report.Error);
        Assert.True(report.Sha256Match, $"hashes differ: sent {report.SentSha256}, received {report.ReceivedSha256}");
        Assert.Equal(50_000_000, report.Bytes);
        Assert.True(report.Retransmits > 0, "a 2% loss link must cause retransmissions");
        Assert.True(report.ChecksumDrops > 0, "corrupted packets must be dropped by the checksum");
    }

    [Fact]
    public void LosslessThreadedTransferDeliversEveryByte()
    {
        TransferReport report = TransferRunner.Run(new TransferSpec { Bytes = 20_000_000, Seed = 3, VirtualTime = false });
        Assert.Null(report.Error);
        Assert.True(report.Sha256Match, $"hashes differ: sent {report.SentSha256}, received {report.ReceivedSha256}");
        Assert.Equal(20_000_000, report.Bytes);
    }
}
