using Fastsocket.Stack;
using Fastsocket.Tests.Support;

// The packet-by-packet suite once more under each of the paper's designs (issue: "the same behavioural suite
// green under base, reuseport and fastsocket"). Each variant only sets the design its benches are built with;
// the plain classes keep testing a standalone engine.

namespace Fastsocket.Tests.Tcp.States
{
    public sealed class SynReceivedTestsUnderBase : SynReceivedTests
    {
        public SynReceivedTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class SynReceivedTestsUnderReusePort : SynReceivedTests
    {
        public SynReceivedTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class SynReceivedTestsUnderFastsocket : SynReceivedTests
    {
        public SynReceivedTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class SynSentTestsUnderBase : SynSentTests
    {
        public SynSentTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class SynSentTestsUnderReusePort : SynSentTests
    {
        public SynSentTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class SynSentTestsUnderFastsocket : SynSentTests
    {
        public SynSentTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class ListenAndClosedTestsUnderBase : ListenAndClosedTests
    {
        public ListenAndClosedTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class ListenAndClosedTestsUnderReusePort : ListenAndClosedTests
    {
        public ListenAndClosedTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class ListenAndClosedTestsUnderFastsocket : ListenAndClosedTests
    {
        public ListenAndClosedTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class EstablishedTestsUnderBase : EstablishedTests
    {
        public EstablishedTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class EstablishedTestsUnderReusePort : EstablishedTests
    {
        public EstablishedTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class EstablishedTestsUnderFastsocket : EstablishedTests
    {
        public EstablishedTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class ChallengeAckAndPawsTestsUnderBase : ChallengeAckAndPawsTests
    {
        public ChallengeAckAndPawsTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class ChallengeAckAndPawsTestsUnderReusePort : ChallengeAckAndPawsTests
    {
        public ChallengeAckAndPawsTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class ChallengeAckAndPawsTestsUnderFastsocket : ChallengeAckAndPawsTests
    {
        public ChallengeAckAndPawsTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class FinWait1TestsUnderBase : FinWait1Tests
    {
        public FinWait1TestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class FinWait1TestsUnderReusePort : FinWait1Tests
    {
        public FinWait1TestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class FinWait1TestsUnderFastsocket : FinWait1Tests
    {
        public FinWait1TestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class FinWait2TestsUnderBase : FinWait2Tests
    {
        public FinWait2TestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class FinWait2TestsUnderReusePort : FinWait2Tests
    {
        public FinWait2TestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class FinWait2TestsUnderFastsocket : FinWait2Tests
    {
        public FinWait2TestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class CloseWaitTestsUnderBase : CloseWaitTests
    {
        public CloseWaitTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class CloseWaitTestsUnderReusePort : CloseWaitTests
    {
        public CloseWaitTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class CloseWaitTestsUnderFastsocket : CloseWaitTests
    {
        public CloseWaitTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class ClosingTestsUnderBase : ClosingTests
    {
        public ClosingTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class ClosingTestsUnderReusePort : ClosingTests
    {
        public ClosingTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class ClosingTestsUnderFastsocket : ClosingTests
    {
        public ClosingTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class LastAckTestsUnderBase : LastAckTests
    {
        public LastAckTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class LastAckTestsUnderReusePort : LastAckTests
    {
        public LastAckTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class LastAckTestsUnderFastsocket : LastAckTests
    {
        public LastAckTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class TimeWaitTestsUnderBase : TimeWaitTests
    {
        public TimeWaitTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class TimeWaitTestsUnderReusePort : TimeWaitTests
    {
        public TimeWaitTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class TimeWaitTestsUnderFastsocket : TimeWaitTests
    {
        public TimeWaitTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }
}

namespace Fastsocket.Tests.Tcp.Behaviour
{
    public sealed class RetransmissionTimerTestsUnderBase : RetransmissionTimerTests
    {
        public RetransmissionTimerTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class RetransmissionTimerTestsUnderReusePort : RetransmissionTimerTests
    {
        public RetransmissionTimerTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class RetransmissionTimerTestsUnderFastsocket : RetransmissionTimerTests
    {
        public RetransmissionTimerTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class FastRetransmitTestsUnderBase : FastRetransmitTests
    {
        public FastRetransmitTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class FastRetransmitTestsUnderReusePort : FastRetransmitTests
    {
        public FastRetransmitTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class FastRetransmitTestsUnderFastsocket : FastRetransmitTests
    {
        public FastRetransmitTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class KeepAliveTestsUnderBase : KeepAliveTests
    {
        public KeepAliveTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class KeepAliveTestsUnderReusePort : KeepAliveTests
    {
        public KeepAliveTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class KeepAliveTestsUnderFastsocket : KeepAliveTests
    {
        public KeepAliveTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class IsnTestsUnderBase : IsnTests
    {
        public IsnTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class IsnTestsUnderReusePort : IsnTests
    {
        public IsnTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class IsnTestsUnderFastsocket : IsnTests
    {
        public IsnTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class DelayedAckTestsUnderBase : DelayedAckTests
    {
        public DelayedAckTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class DelayedAckTestsUnderReusePort : DelayedAckTests
    {
        public DelayedAckTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class DelayedAckTestsUnderFastsocket : DelayedAckTests
    {
        public DelayedAckTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class NagleTestsUnderBase : NagleTests
    {
        public NagleTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class NagleTestsUnderReusePort : NagleTests
    {
        public NagleTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class NagleTestsUnderFastsocket : NagleTests
    {
        public NagleTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class SackOnDataSegmentTestsUnderBase : SackOnDataSegmentTests
    {
        public SackOnDataSegmentTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class SackOnDataSegmentTestsUnderReusePort : SackOnDataSegmentTests
    {
        public SackOnDataSegmentTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class SackOnDataSegmentTestsUnderFastsocket : SackOnDataSegmentTests
    {
        public SackOnDataSegmentTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class HandshakeOptionTestsUnderBase : HandshakeOptionTests
    {
        public HandshakeOptionTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class HandshakeOptionTestsUnderReusePort : HandshakeOptionTests
    {
        public HandshakeOptionTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class HandshakeOptionTestsUnderFastsocket : HandshakeOptionTests
    {
        public HandshakeOptionTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }

    public sealed class ZeroWindowTestsUnderBase : ZeroWindowTests
    {
        public ZeroWindowTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class ZeroWindowTestsUnderReusePort : ZeroWindowTests
    {
        public ZeroWindowTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class ZeroWindowTestsUnderFastsocket : ZeroWindowTests
    {
        public ZeroWindowTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }
}

namespace Fastsocket.Tests.Tcp
{
    public sealed class HandshakeSmokeTestsUnderBase : HandshakeSmokeTests
    {
        public HandshakeSmokeTestsUnderBase() => TestDesign.Current = StackDesign.Base;
    }

    public sealed class HandshakeSmokeTestsUnderReusePort : HandshakeSmokeTests
    {
        public HandshakeSmokeTestsUnderReusePort() => TestDesign.Current = StackDesign.ReusePort;
    }

    public sealed class HandshakeSmokeTestsUnderFastsocket : HandshakeSmokeTests
    {
        public HandshakeSmokeTestsUnderFastsocket() => TestDesign.Current = StackDesign.Fastsocket;
    }
}
