using CsCheck;
using Fastsocket.Tcp;

namespace Fastsocket.Tests.Tcp;

public class SeqNumberTests
{
    // Any base and any forward distance below 2^31: the pair is well ordered on the circle.
    private static readonly Gen<(uint Base, int Delta)> BaseAndDelta =
        Gen.Select(Gen.UInt, Gen.Int[1, int.MaxValue]);

    [Fact]
    public void Ordering_HoldsAcrossWrap()
    {
        BaseAndDelta.Sample(t =>
        {
            var a = new SeqNumber(t.Base);
            SeqNumber b = a + t.Delta;
            Assert.True(a < b);
            Assert.True(a <= b);
            Assert.True(b > a);
            Assert.True(b >= a);
            Assert.False(a > b);
            Assert.False(b < a);
            Assert.True(a != b);
            Assert.Equal(t.Delta, b - a);
            Assert.Equal(-t.Delta, a - b);
            Assert.Equal(b, SeqNumber.Max(a, b));
            Assert.Equal(a, SeqNumber.Min(b, a));
            Assert.Equal(a, b - t.Delta);
            Assert.Equal(1, b.CompareTo(a));
        }, iter: 10_000);
    }

    [Fact]
    public void ExplicitWrap()
    {
        var top = new SeqNumber(uint.MaxValue - 9);
        SeqNumber wrapped = top + 20;
        Assert.Equal(10u, wrapped.Value);
        Assert.True(wrapped > top);
        Assert.Equal(20, wrapped - top);
        Assert.True(new SeqNumber(0) > new SeqNumber(uint.MaxValue));
        Assert.True(new SeqNumber(0x7FFF_FFFF) > new SeqNumber(0));
        Assert.True(new SeqNumber(0x8000_0001) < new SeqNumber(0));
    }

    [Fact]
    public void Equality_AndFormatting()
    {
        var a = new SeqNumber(42);
        Assert.True(a == new SeqNumber(42));
        Assert.True(a.Equals((object)new SeqNumber(42)));
        Assert.Equal(new SeqNumber(42).GetHashCode(), a.GetHashCode());
        var same = new SeqNumber(42);
        Assert.True(a <= same && a >= same && !(a < same));
        Assert.Equal("42", a.ToString());
        Assert.Equal(a, a + 0);
    }

    [Fact]
    public void IsInRange_MatchesUnsignedOffsetModel()
    {
        Gen.Select(Gen.UInt, Gen.UInt[0, 100_000], Gen.Int[-50_000, 150_000]).Sample(t =>
        {
            var start = new SeqNumber(t.Item1);
            SeqNumber end = start + (int)t.Item2;
            SeqNumber x = start + t.Item3;
            bool expected = t.Item3 >= 0 && t.Item3 < t.Item2;
            Assert.Equal(expected, x.IsInRange(start, end));
        }, iter: 10_000);
    }

    [Fact]
    public void IsInRange_EdgesAndEmpty()
    {
        var s = new SeqNumber(uint.MaxValue - 1);
        SeqNumber e = s + 4; // covers Max-1, Max, 0, 1
        Assert.True(s.IsInRange(s, e));
        Assert.True(new SeqNumber(0).IsInRange(s, e));
        Assert.True(new SeqNumber(1).IsInRange(s, e));
        Assert.False(e.IsInRange(s, e));
        Assert.False((s - 1).IsInRange(s, e));
        Assert.False(s.IsInRange(s, s));
    }
}
