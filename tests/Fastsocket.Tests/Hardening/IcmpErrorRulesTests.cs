using System.Net.Sockets;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

public sealed class IcmpErrorRulesTests
{
    private static readonly SeqNumber s_una = new(1_000_000);
    private static readonly SeqNumber s_nxt = new(1_010_000);

    private static IcmpErrorDecision Decide(IcmpErrorKind kind, TcpState state = TcpState.Established, uint? quoted = null,
        int currentMtu = 1500, int nextHopMtu = 0, int quotedLength = 1500) =>
        IcmpErrorRules.Decide(kind, state, quoted is uint q ? new SeqNumber(q) : s_una + 100, s_una, s_nxt, currentMtu,
            nextHopMtu, quotedLength);

    [Theory]
    [InlineData(999_999u, false)]
    [InlineData(1_000_000u, true)]
    [InlineData(1_009_999u, true)]
    [InlineData(1_010_000u, false)]
    [InlineData(0u, false)]
    [InlineData(3_000_000_000u, false)]
    public void BelievesOnlyAQuotedSequenceInFlight(uint quoted, bool believed)
    {
        IcmpErrorDecision decision = Decide(IcmpErrorKind.HostUnreachable, quoted: quoted);
        Assert.Equal(believed ? IcmpErrorAction.RecordSoftError : IcmpErrorAction.OutOfWindow, decision.Action);
    }

    [Fact]
    public void TheWindowCheckWorksAcrossTheWrap()
    {
        var una = new SeqNumber(0xFFFF_FF00);
        var nxt = new SeqNumber(0x0000_0100);
        Assert.Equal(IcmpErrorAction.RecordSoftError,
            IcmpErrorRules.Decide(IcmpErrorKind.HostUnreachable, TcpState.Established, new SeqNumber(0x10), una, nxt, 1500, 0, 1500).Action);
        Assert.Equal(IcmpErrorAction.OutOfWindow,
            IcmpErrorRules.Decide(IcmpErrorKind.HostUnreachable, TcpState.Established, new SeqNumber(0x100), una, nxt, 1500, 0, 1500).Action);
    }

    [Fact]
    public void NothingInFlightMeansNothingIsBelieved()
    {
        // SND.UNA == SND.NXT: an idle connection has no segment an ICMP error could be about.
        Assert.Equal(IcmpErrorAction.OutOfWindow,
            IcmpErrorRules.Decide(IcmpErrorKind.PortUnreachable, TcpState.Established, s_una, s_una, s_una, 1500, 0, 1500).Action);
    }

    [Theory]
    [InlineData(TcpState.Closed)]
    [InlineData(TcpState.Listen)]
    [InlineData(TcpState.TimeWait)]
    public void StatesWithoutSegmentsInFlightIgnoreErrors(TcpState state)
    {
        Assert.Equal(IcmpErrorAction.Ignore, Decide(IcmpErrorKind.PortUnreachable, state).Action);
        Assert.Equal(IcmpErrorAction.Ignore, Decide(IcmpErrorKind.FragmentationNeeded, state, nextHopMtu: 1000).Action);
    }

    [Fact]
    public void UnknownCodesAreIgnored()
    {
        Assert.Equal(IcmpErrorAction.Ignore, Decide(IcmpErrorKind.Unknown).Action);
        Assert.Equal(IcmpErrorAction.Ignore, Decide(IcmpErrorKind.Unknown, TcpState.SynSent, quoted: s_una.Value).Action);
    }

    [Theory]
    [InlineData(1400, 1400)]
    [InlineData(1499, 1499)]
    [InlineData(576, 576)]
    [InlineData(552, 552)]
    [InlineData(551, 552)]
    [InlineData(68, 552)]
    [InlineData(1, 552)]
    public void FragmentationNeededLowersThePathMtuToTheNextHopButNotBelowTheFloor(int nextHop, int expected)
    {
        IcmpErrorDecision decision = Decide(IcmpErrorKind.FragmentationNeeded, nextHopMtu: nextHop);
        Assert.Equal(IcmpErrorAction.LowerPathMtu, decision.Action);
        Assert.Equal(expected, decision.PathMtu);
        Assert.Equal(SocketError.Success, decision.Error);
    }

    [Theory]
    [InlineData(1500)]
    [InlineData(1501)]
    [InlineData(9000)]
    public void FragmentationNeededNeverRaisesThePathMtu(int nextHop)
    {
        Assert.Equal(IcmpErrorAction.Ignore, Decide(IcmpErrorKind.FragmentationNeeded, nextHopMtu: nextHop).Action);
    }

    [Fact]
    public void AtTheFloorAForgedTinyMtuChangesNothing()
    {
        Assert.Equal(IcmpErrorAction.Ignore, Decide(IcmpErrorKind.FragmentationNeeded, currentMtu: 552, nextHopMtu: 100).Action);
    }

    [Theory]
    [InlineData(1500, 1492)]
    [InlineData(1492, 1006)]
    [InlineData(1493, 1492)]
    [InlineData(1006, 552)] // plateau 508 is below the floor
    [InlineData(65535, 32000)]
    public void WithoutANextHopMtuTheNextPlateauBelowTheQuotedLengthIsUsed(int quotedLength, int expected)
    {
        IcmpErrorDecision decision = Decide(IcmpErrorKind.FragmentationNeeded, currentMtu: 65535, nextHopMtu: 0, quotedLength: quotedLength);
        Assert.Equal(IcmpErrorAction.LowerPathMtu, decision.Action);
        Assert.Equal(expected, decision.PathMtu);
    }

    [Fact]
    public void PlateausAreRfc1191s()
    {
        Assert.Equal([65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68], IcmpErrorRules.Plateaus.ToArray());
        Assert.Equal(68, IcmpErrorRules.PlateauBelow(68));
        Assert.Equal(68, IcmpErrorRules.PlateauBelow(0));
        Assert.Equal(296, IcmpErrorRules.PlateauBelow(508));
        Assert.Equal(65535, IcmpErrorRules.PlateauBelow(70000));
    }

    [Theory]
    [InlineData(IcmpErrorKind.NetworkUnreachable, SocketError.NetworkUnreachable)]
    [InlineData(IcmpErrorKind.HostUnreachable, SocketError.HostUnreachable)]
    [InlineData(IcmpErrorKind.ProtocolUnreachable, SocketError.ConnectionRefused)]
    [InlineData(IcmpErrorKind.PortUnreachable, SocketError.ConnectionRefused)]
    [InlineData(IcmpErrorKind.SourceRouteFailed, SocketError.HostUnreachable)]
    [InlineData(IcmpErrorKind.AdministrativelyProhibited, SocketError.HostUnreachable)]
    public void HardErrorsAbortAConnectInSynSent(IcmpErrorKind kind, SocketError expected)
    {
        // In SYN-SENT, SND.UNA = ISS and SND.NXT = ISS + 1: only the SYN's own sequence number is believed.
        var iss = new SeqNumber(42);
        IcmpErrorDecision decision = IcmpErrorRules.Decide(kind, TcpState.SynSent, iss, iss, iss + 1, 1500, 0, 60);
        Assert.Equal(IcmpErrorAction.AbortConnection, decision.Action);
        Assert.Equal(expected, decision.Error);

        Assert.Equal(IcmpErrorAction.OutOfWindow,
            IcmpErrorRules.Decide(kind, TcpState.SynSent, iss + 1, iss, iss + 1, 1500, 0, 60).Action);
        Assert.Equal(IcmpErrorAction.AbortConnection,
            IcmpErrorRules.Decide(kind, TcpState.SynReceived, iss, iss, iss + 1, 1500, 0, 60).Action);
    }

    [Fact]
    public void TimeExceededIsSoftEvenDuringConnect()
    {
        var iss = new SeqNumber(42);
        IcmpErrorDecision decision = IcmpErrorRules.Decide(IcmpErrorKind.TimeExceeded, TcpState.SynSent, iss, iss, iss + 1, 1500, 0, 60);
        Assert.Equal(IcmpErrorAction.RecordSoftError, decision.Action);
        Assert.Equal(SocketError.HostUnreachable, decision.Error);
    }

    [Theory]
    [InlineData(TcpState.Established)]
    [InlineData(TcpState.FinWait1)]
    [InlineData(TcpState.FinWait2)]
    [InlineData(TcpState.CloseWait)]
    [InlineData(TcpState.Closing)]
    [InlineData(TcpState.LastAck)]
    public void InSynchronizedStatesUnreachablesAreSoft(TcpState state)
    {
        foreach (IcmpErrorKind kind in new[] { IcmpErrorKind.NetworkUnreachable, IcmpErrorKind.HostUnreachable,
                     IcmpErrorKind.ProtocolUnreachable, IcmpErrorKind.PortUnreachable, IcmpErrorKind.TimeExceeded })
        {
            IcmpErrorDecision decision = Decide(kind, state);
            Assert.Equal(IcmpErrorAction.RecordSoftError, decision.Action);
            Assert.Equal(IcmpErrorRules.ErrorFor(kind), decision.Error);
        }
        Assert.Equal(IcmpErrorAction.LowerPathMtu, Decide(IcmpErrorKind.FragmentationNeeded, state, nextHopMtu: 1280).Action);
    }

    [Fact]
    public void FragmentationNeededDuringConnectLowersTheMtuAndDoesNotAbort()
    {
        var iss = new SeqNumber(7);
        IcmpErrorDecision decision = IcmpErrorRules.Decide(IcmpErrorKind.FragmentationNeeded, TcpState.SynSent, iss, iss, iss + 1, 1500, 1280, 60);
        Assert.Equal(new IcmpErrorDecision(IcmpErrorAction.LowerPathMtu, SocketError.Success, 1280), decision);
    }
}
