using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>Loss recovery: fast retransmit on duplicate ACKs (RFC 5681/6582) and the repair of SACKed holes (RFC 2018, 6675).</summary>
public sealed partial class TcpConnection
{
    private void OnDuplicateAck()
    {
        DupAckResult result = _congestion.OnDuplicateAck(_snd.Una, _snd.Max - _snd.Una, _snd.Max);
        if (result == DupAckResult.FastRetransmit)
        {
            _statistics.FastRetransmits++;
            _rttTiming = false;
            RetransmitFirstSegment();
            _recovery.MarkResent(_snd.Una + PayloadPerSegment);
            _retransmitDeadline = _host.NowMicroseconds + _rto.CurrentRto;
        }
        else if (_sack && _congestion.InRecovery)
        {
            // Each further duplicate ACK means a segment left the network: spend it on the next hole SACK reveals.
            RetransmitNextHole();
        }
    }

    /// <summary>Resends the lowest hole below the highest SACKed byte not yet resent in this recovery.</summary>
    private void RetransmitNextHole()
    {
        if (!_sack || _snd.Una == _snd.Iss)
        {
            return;
        }
        if (!_recovery.TryFindNextHole(_snd.Una, out SeqNumber start, out SeqNumber end))
        {
            return;
        }
        int dataOffset = start - _snd.Una;
        int length = Math.Min(Math.Min(PayloadPerSegment, end - start), _send.Count - dataOffset);
        if (length <= 0)
        {
            return;
        }
        SendSegment(start, TcpFlags.Ack, dataOffset, length);
        _statistics.Retransmissions++;
        _recovery.MarkResent(start + length);
    }

    private void RetransmitFirstSegment()
    {
        if (State is TcpState.SynSent or TcpState.SynReceived)
        {
            SendSyn();
            return;
        }
        const int dataOffset = 0;
        int length = Math.Min(PayloadPerSegment, _send.Count);
        if (length > 0)
        {
            bool fin = _finRequested && length == _send.Count;
            SendSegment(_snd.Una, TcpFlags.Ack | (fin ? TcpFlags.Fin : 0), dataOffset, length);
            _statistics.Retransmissions++;
        }
        else if (_finRequested && _snd.Una == _finSeq)
        {
            SendControl(_snd.Una, TcpFlags.Fin | TcpFlags.Ack);
            _statistics.Retransmissions++;
        }
    }
}
