using Fastsocket.Time;

namespace Fastsocket.Tests.Hardening;

public sealed class TokenBucketTests
{
    private const long Second = 1_000_000;

    private static int TakeAll(ref TokenBucket bucket, long now, int limit = 10_000)
    {
        int taken = 0;
        while (taken < limit && bucket.TryTake(now))
        {
            taken++;
        }
        return taken;
    }

    [Fact]
    public void StartsFullAndSpendsTheBurst()
    {
        var bucket = new TokenBucket(ratePerSecond: 100, burst: 10, nowMicroseconds: 0);
        Assert.Equal(10, bucket.Available);
        Assert.Equal(10, TakeAll(ref bucket, 0));
        Assert.False(bucket.TryTake(0));
        Assert.Equal(0, bucket.Available);
    }

    [Fact]
    public void RefillsAtTheRateOnVirtualTime()
    {
        var bucket = new TokenBucket(ratePerSecond: 100, burst: 10, nowMicroseconds: 5 * Second);
        TakeAll(ref bucket, 5 * Second);

        // 100/s is one token per 10 ms: 9.999 ms gives none, 10 ms gives one.
        Assert.False(bucket.TryTake(5 * Second + 9_999));
        Assert.True(bucket.TryTake(5 * Second + 10_000));
        Assert.False(bucket.TryTake(5 * Second + 10_000));
        // 35 ms later: three more, and the half token carries over.
        Assert.Equal(3, TakeAll(ref bucket, 5 * Second + 45_000));
        Assert.Equal(1, TakeAll(ref bucket, 5 * Second + 50_000));
    }

    [Fact]
    public void FractionalCreditAccumulatesOverManySmallSteps()
    {
        // 3 tokens a second polled every microsecond for 10 s: exactly 30, no rounding loss. (The burst of 2 is never
        // reached, so no credit is lost to the cap, as it would be with a burst of 1.)
        var bucket = new TokenBucket(ratePerSecond: 3, burst: 2, nowMicroseconds: 0);
        Assert.Equal(2, TakeAll(ref bucket, 0));
        int taken = 0;
        for (long t = 1; t <= 10 * Second; t++)
        {
            if (bucket.TryTake(t))
            {
                taken++;
            }
        }
        Assert.Equal(30, taken);
    }

    [Fact]
    public void NeverHoldsMoreThanTheBurst()
    {
        var bucket = new TokenBucket(ratePerSecond: 1000, burst: 5, nowMicroseconds: 0);
        TakeAll(ref bucket, 0);
        Assert.Equal(5, TakeAll(ref bucket, 3600 * Second));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1_000_000_000, 1_000_000_000)]
    [InlineData(1, 1_000_000_000)]
    [InlineData(1_000_000_000, 1)]
    public void LongGapsDoNotOverflow(long rate, long burst)
    {
        var bucket = new TokenBucket(rate, burst, nowMicroseconds: 0);
        Assert.True(bucket.TryTake(0));
        // Decades of silence, then the end of the long range: still exactly a full bucket, minus the one taken.
        Assert.True(bucket.TryTake(long.MaxValue / 2));
        Assert.Equal(burst - 1, bucket.Available);
        Assert.True(bucket.TryTake(long.MaxValue));
        Assert.Equal(burst - 1, bucket.Available);
    }

    [Fact]
    public void NegativeStartTimesWork()
    {
        var bucket = new TokenBucket(ratePerSecond: 1, burst: 1, nowMicroseconds: long.MinValue);
        Assert.True(bucket.TryTake(long.MinValue));
        Assert.False(bucket.TryTake(long.MinValue + Second - 1));
        Assert.True(bucket.TryTake(long.MinValue + Second));
        Assert.True(bucket.TryTake(long.MaxValue));
    }

    [Fact]
    public void AClockSteppingBackAddsNothingAndIsNotPaidTwice()
    {
        var bucket = new TokenBucket(ratePerSecond: 1, burst: 2, nowMicroseconds: 10 * Second);
        TakeAll(ref bucket, 10 * Second);
        Assert.False(bucket.TryTake(5 * Second));
        // The reference stayed at 10 s: one second after it buys one token, not six.
        Assert.Equal(1, TakeAll(ref bucket, 11 * Second));
    }

    [Fact]
    public void ADefaultBucketRefusesEverything()
    {
        TokenBucket bucket = default;
        Assert.False(bucket.TryTake(0));
        Assert.False(bucket.TryTake(long.MaxValue));
        Assert.Equal(0, bucket.Burst);
    }

    [Fact]
    public void ExposesItsConfiguration()
    {
        var bucket = new TokenBucket(ratePerSecond: 250, burst: 7, nowMicroseconds: 0);
        Assert.Equal(250, bucket.RatePerSecond);
        Assert.Equal(7, bucket.Burst);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-1, 1)]
    [InlineData(1, 0)]
    [InlineData(1_000_000_001, 1)]
    [InlineData(1, 1_000_000_001)]
    public void RejectsBadConfigurations(long rate, long burst)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(rate, burst, 0));
    }

    [Fact]
    public void TakingAllocatesNothing()
    {
        var bucket = new TokenBucket(ratePerSecond: 1000, burst: 10, nowMicroseconds: 0);
        bucket.TryTake(0);
        int taken = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long t = 0; t < 100_000; t++)
        {
            if (bucket.TryTake(t * 100))
            {
                taken++;
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        // The 9 tokens left of the burst, plus 9,999.9 earned over the 9.9999 s of virtual time at 1000/s.
        Assert.Equal(9 + 9_999, taken);
    }
}
