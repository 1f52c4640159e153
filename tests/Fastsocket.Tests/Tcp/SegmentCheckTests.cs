using Fastsocket.Tests.Support;
using Fastsocket.Wire;
using Xunit.Sdk;
using static Fastsocket.Tests.Support.Check;

namespace Fastsocket.Tests.Tcp;

/// <summary>The segment checker itself: it passes on a match and, on a mismatch, names each differing field with both values.</summary>
public class SegmentCheckTests
{
    private static readonly Segment SynAck = new()
    {
        Flags = TcpFlags.Syn | TcpFlags.Ack,
        Seq = 7,
        Ack = 1001,
        Window = 4096,
        Options = new TcpOptions { HasMss = true, Mss = 1460 },
    };

    [Fact]
    public void MatchingFieldsPass()
    {
        Segment s = Check.Tcp(SynAck, Flags(TcpFlags.Syn | TcpFlags.Ack), Seq(7), Ack(1001), Window(4096), NoPayload, Mss(1460),
            Options(TcpTestBench.MssOnly), SackPermitted(false), SackCount(0));
        Assert.Same(SynAck, s);
    }

    [Fact]
    public void EveryDifferingFieldIsReportedWithExpectedAndActual()
    {
        var e = Assert.Throws<FailException>(() => Check.Tcp(SynAck, Flags(TcpFlags.Ack), Seq(7), Ack(1002), NoOptions, Timestamps(1, 2)));
        Assert.Contains("flags: expected Ack, got Syn, Ack", e.Message);
        Assert.Contains("ack: expected 1002, got 1001", e.Message);
        Assert.Contains("mss present: expected False, got True", e.Message);
        Assert.Contains("timestamps: expected 1/2, got none", e.Message);
        Assert.DoesNotContain("seq:", e.Message);
    }
}
