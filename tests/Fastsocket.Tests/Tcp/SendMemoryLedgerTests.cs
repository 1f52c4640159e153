using Fastsocket.Tcp;

namespace Fastsocket.Tests.Tcp;

/// <summary>
/// Linux's send-buffer charge (SendMemoryLedger): buffers of up to a size goal, each costing its payload plus a fixed
/// overhead; a new buffer only while the charge is under SO_SNDBUF; a writer wakes when the free room is half the
/// charge. The numbers follow packetdrill's blocking/blocking-write.pkt (MSS 1000, peer window 50000, SO_SNDBUF 42000).
/// </summary>
public class SendMemoryLedgerTests
{
    private const int Goal = 25000;
    private const int Overhead = SendMemoryLedger.BufferOverhead;

    [Theory]
    [InlineData(1000, 50000, 25000)]   // half the peer's window, in whole segments
    [InlineData(1448, 1 << 20, 65160)] // 64 KB less headers, in whole segments
    [InlineData(1000, 500, 1000)]      // never under one segment
    public void SizeGoalIsWholeSegmentsWithinHalfTheWindowAndGso(int mss, int maxWindow, int expected) =>
        Assert.Equal(expected, SendMemoryLedger.SizeGoal(mss, maxWindow));

    [Fact]
    public void ANewBufferStartsOnlyUnderTheLimitAndIsFilledWhole()
    {
        var ledger = new SendMemoryLedger { Limit = 42000 };
        // Empty: the first buffer (25896 charged) leaves the charge under 42000, so a second starts: 50000 bytes.
        Assert.Equal(2 * Goal, ledger.Admissible(0, 0, Goal));
        Assert.Equal(50000 + 2 * Overhead, ledger.Charge(50000, 0, Goal));
        // Both buffers full and the charge over the limit: nothing more until something is acknowledged.
        Assert.Equal(0, ledger.Admissible(50000, 0, Goal));
    }

    [Fact]
    public void ATransmissionThatStopsInsideABufferSplitsItAndLeavesRoomAtTheTail()
    {
        var ledger = new SendMemoryLedger { Limit = 42000 };
        ledger.RecordTransmitted(10000, Goal);
        // 10000 sent (one buffer), 40000 unsent packed in two buffers with 10000 of room: Linux's writer filled that
        // room before it started the buffer the limit refused.
        Assert.Equal(50000 + 3 * Overhead, ledger.Charge(50000, 10000, Goal));
        Assert.Equal(10000, ledger.Admissible(50000, 10000, Goal));
        Assert.Equal(0, ledger.Admissible(60000, 10000, Goal));
    }

    [Fact]
    public void ABlockedWriterWakesOnlyWhenTheFreeRoomIsHalfTheCharge()
    {
        var ledger = new SendMemoryLedger { Limit = 42000 };
        ledger.RecordTransmitted(10000, Goal);
        Assert.False(ledger.IsWriteable(60000, 10000, Goal));

        // ACK 10001 frees the first buffer; 20000 more go out: 50000 queued still charges over the limit.
        ledger.Release(10000);
        Assert.False(ledger.IsWriteable(50000, 20000, Goal));

        // ACK 30001; the rest (30000) goes out: 31792 charged, 10208 free, under half the charge.
        ledger.RecordTransmitted(20000, Goal);
        ledger.Release(20000);
        Assert.Equal(30000 + 2 * Overhead, ledger.Charge(30000, 30000, Goal));
        Assert.False(ledger.IsWriteable(30000, 30000, Goal));

        // ACK 36001 trims the first buffer: 25792 charged, 16208 free, at least half: the writer wakes and may start a buffer.
        ledger.RecordTransmitted(30000, Goal);
        ledger.Release(6000);
        Assert.Equal(24000 + 2 * Overhead, ledger.Charge(24000, 24000, Goal));
        Assert.True(ledger.IsWriteable(24000, 24000, Goal));
        Assert.Equal(Goal, ledger.Admissible(24000, 24000, Goal));
    }

    [Fact]
    public void AcknowledgingEverythingReturnsTheRing()
    {
        var ledger = new SendMemoryLedger { Limit = 42000 };
        ledger.RecordTransmitted(60000, Goal);
        Assert.Equal(3, ledger.RecordedBuffers);
        ledger.Release(60000);
        Assert.Equal(0, ledger.RecordedBuffers);
        Assert.Equal(0, ledger.RecordedBytes);
        Assert.Equal(0L, ledger.Charge(0, 0, Goal));
        Assert.True(ledger.IsWriteable(0, 0, Goal));
    }
}
