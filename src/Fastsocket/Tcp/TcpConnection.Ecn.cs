using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// Explicit Congestion Notification (RFC 3168 6.1): negotiated in the handshake, ECT(0) on new data, the receiver's
/// ECE echo of a CE mark until the sender's CWR, and the sender's one reduction per window of data.
/// </summary>
public sealed partial class TcpConnection
{
    /// <summary>Whether both sides agreed to ECN in the handshake.</summary>
    public bool EcnEnabled => _ecn;

    /// <summary>The control bits an ECN-setup SYN (ECE and CWR) or SYN-ACK (ECE alone) adds, when ours asks or agrees.</summary>
    private TcpFlags EcnSynFlags(bool synAck) => synAck
        ? (_ecn ? TcpFlags.Ece : 0)
        : (_config.Ecn == EcnMode.On && _retries == 0 ? TcpFlags.Ece | TcpFlags.Cwr : 0);

    /// <summary>
    /// The peer's SYN (we answer) or SYN-ACK (we asked): RFC 3168 6.1.1. A SYN asks with ECE and CWR both set; a
    /// SYN-ACK agrees with ECE set and CWR clear. Anything else means no ECN, never a failed handshake.
    /// </summary>
    private void NegotiateEcn(in IncomingSegment syn, bool weAsked)
    {
        TcpFlags bits = syn.Flags & (TcpFlags.Ece | TcpFlags.Cwr);
        // A SYN sent again goes without ECN (as Linux, in case a middlebox drops ECN-setup SYNs): only an answer to
        // the first one can agree to it.
        _ecn = weAsked
            ? _config.Ecn == EcnMode.On && _retries == 0 && bits == TcpFlags.Ece
            : _config.Ecn != EcnMode.Off && bits == (TcpFlags.Ece | TcpFlags.Cwr);
    }

    /// <summary>
    /// ECN on an acceptable segment in a synchronized state: CWR ends our echo (RFC 3168 6.1.3), a CE mark on data
    /// (re)starts it and asks for an ACK at once; ECE on an ACK cuts the window once per window of data (6.1.2).
    /// </summary>
    private void OnEcnSignals(in IncomingSegment seg)
    {
        if (!_ecn)
        {
            return;
        }
        if (seg.Payload.Length > 0 || seg.Has(TcpFlags.Fin))
        {
            if (seg.Has(TcpFlags.Cwr))
            {
                _ecnEchoing = false;
            }
            if (seg.Ecn == EcnCodepoint.CongestionExperienced)
            {
                _ecnEchoing = true;
                _ackNow = true;
            }
        }
        if (seg.Has(TcpFlags.Ece) && !seg.Has(TcpFlags.Syn) && seg.Ack > _snd.Una && !_congestion.InRecovery &&
            (!_ecnReduced || seg.Ack > _ecnRecover))
        {
            // One reduction per window (RFC 3168 6.1.2): ECE on ACKs of data sent before the cut is the same event.
            // A recovery already under way has cut the window for this round.
            _ecnReduced = true;
            _ecnRecover = _snd.Max;
            _ecnCwrPending = true;
            _statistics.EcnReductions++;
            int flight = _snd.Max - _snd.Una;
            _prrDelivered = 0;
            _prrOut = 0;
            _recoverFlightSize = Math.Max(flight, 1);
            // Nothing was lost: no rescue retransmission and no resend of a partial ACK's hole in this episode.
            _rescueSent = true;
            _ecnEpisode = true;
            _congestion.OnLossDetected(flight, _snd.Max);
        }
    }

    /// <summary>
    /// The ECN bits of an outgoing segment: ECE while echoing a CE mark (on every segment that acknowledges, pure
    /// ACKs included), CWR on the first new data after a reduction. Called for segments other than SYN and RST.
    /// </summary>
    private TcpFlags EcnFlags(bool newData)
    {
        TcpFlags flags = _ecnEchoing ? TcpFlags.Ece : 0;
        if (newData && _ecnCwrPending)
        {
            _ecnCwrPending = false;
            flags |= TcpFlags.Cwr;
        }
        return flags;
    }
}
