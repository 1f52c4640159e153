using System.Net.Sockets;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// ICMP errors about this connection (RFC 1122 4.2.3.9, RFC 5927, RFC 1191): <see cref="IcmpErrorRules"/> decides,
/// this applies the decision: a lower path MTU and the resend of what no longer fits, a failed connect, or a soft
/// error that the connection reports only if it later times out (Linux's sk_err_soft).
/// </summary>
public sealed partial class TcpConnection
{
    // The path MTU (IP header included) an ICMP fragmentation-needed error taught us; 0 while it is the device MTU.
    private int _pathMtu;

    // The last soft error an ICMP error reported; Success when none, or once an ACK showed the path works again.
    private SocketError _softError;

    /// <summary>The path MTU this connection sends with, IP header included: the device MTU until an ICMP error lowers it.</summary>
    public int PathMtu => _pathMtu != 0 ? _pathMtu : DeviceMtu;

    /// <summary>The error an ICMP message reported while the connection lived on (Success when none): what a later timeout reports.</summary>
    public SocketError SoftError => _softError;

    private int DeviceMtu => _host.MaxTcpSegmentLength(Key.LocalAddress) + IpHeaderRoom;

    /// <summary>What a retransmission or keepalive give-up reports: the soft error when there is one, else TimedOut (Linux tcp_write_err).</summary>
    private SocketError TimeoutError => _softError != SocketError.Success ? _softError : SocketError.TimedOut;

    /// <summary>Clears the ICMP state of a previous use of the pooled object.</summary>
    private void ResetIcmpState()
    {
        _pathMtu = 0;
        _softError = SocketError.Success;
    }

    /// <summary>The sending MSS the path MTU allows: <paramref name="mss"/>, or less once the path MTU was lowered.</summary>
    private int ClampToPathMtu(int mss) =>
        _pathMtu == 0 ? mss : Math.Min(mss, _pathMtu - IpHeaderRoom - TcpHeader.MinLength);

    /// <summary>
    /// Applies an ICMP error whose quote names this connection. The quoted sequence number must lie in
    /// [SND.UNA, SND.MAX) (RFC 5927 4.1: only a segment still in flight can have provoked it); otherwise the error is
    /// dropped and counted under <see cref="DropReason.IcmpQuoteMismatch"/>.
    /// </summary>
    internal void OnIcmpError(IcmpErrorKind kind, SeqNumber quotedSequence, int nextHopMtu, int quotedTotalLength)
    {
        if (_finished)
        {
            return;
        }
        TcpStatistics statistics = _statistics;
        IcmpErrorDecision decision = IcmpErrorRules.Decide(kind, State, quotedSequence, _snd.Una, _snd.Max, PathMtu,
            nextHopMtu, quotedTotalLength);
        switch (decision.Action)
        {
            case IcmpErrorAction.OutOfWindow:
                statistics.Drops.Add(DropReason.IcmpQuoteMismatch);
                return;
            case IcmpErrorAction.LowerPathMtu:
                statistics.IcmpErrorsApplied++;
                statistics.PathMtuLowered++;
                LowerPathMtu(decision.PathMtu);
                return;
            case IcmpErrorAction.AbortConnection:
                statistics.IcmpErrorsApplied++;
                if (State == TcpState.SynReceived && _passive)
                {
                    // A half-open passive connection nobody holds yet: drop it, as a RST would.
                    Finish(SocketError.ConnectionReset, notify: false);
                }
                else
                {
                    // connect(2) fails with the error at once, as Linux does for these codes.
                    Finish(decision.Error, notify: true);
                }
                return;
            case IcmpErrorAction.RecordSoftError:
                statistics.IcmpErrorsApplied++;
                _softError = decision.Error;
                return;
            default:
                return;
        }
    }

    /// <summary>
    /// RFC 1191: send no segment larger than the new path MTU, and resend from SND.UNA what was in flight, now in
    /// pieces that fit (as Linux's tcp_simple_retransmit). Not a congestion signal: the congestion window stays.
    /// </summary>
    private void LowerPathMtu(int pathMtu)
    {
        _pathMtu = pathMtu;
        int mss = ClampToPathMtu(_sendMss);
        if (mss >= _sendMss)
        {
            return;
        }
        _sendMss = mss;
        if (!IsSynchronized || _snd.Max == _snd.Una)
        {
            return;
        }
        // The segments in flight were sized for the old MTU and were (or will be) dropped by the router: go back to
        // SND.UNA and send again under the new size. Karn's rule: no RTT sample from resent data.
        _rttTiming = false;
        if (_sack)
        {
            // Every segment not SACKed is resent from the segment log, split to the new size.
            MarkAllLostOnTimeout();
        }
        else
        {
            _snd.Nxt = _snd.Una;
        }
        SendData();
        if (_retransmitDeadline == 0 && _snd.Max > _snd.Una)
        {
            _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
        }
        UpdateTimer();
    }
}
