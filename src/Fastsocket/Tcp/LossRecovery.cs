using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// What a connection knows about losses beyond what the congestion controller keeps (its fast recovery state, RFC
/// 6582): the SACK scoreboard of what the peer holds above SND.UNA (RFC 2018), and how far this recovery episode
/// has already resent, so each hole is repaired once (RFC 6675's "HighRxt").
/// </summary>
internal sealed class LossRecovery
{
    private readonly SackScoreboard _scoreboard = new();
    private SeqNumber _resentUpTo;

    /// <summary>Forgets everything: a new connection, or a retransmission timeout (RFC 2018 8: the peer may have dropped what it SACKed).</summary>
    public void Reset()
    {
        _scoreboard.Clear();
        _resentUpTo = default;
    }

    /// <summary>Takes the SACK blocks of an ACK; returns whether they report bytes not reported before.</summary>
    public bool AddSackBlocks(in TcpOptions options, SeqNumber from, SeqNumber sndMax)
    {
        long sackedBefore = _scoreboard.SackedBytes;
        _scoreboard.Add(options, from, sndMax);
        return _scoreboard.SackedBytes > sackedBefore;
    }

    /// <summary>SND.UNA moved to <paramref name="ack"/>: what lies below it is no longer a hole or a SACKed range.</summary>
    public void OnCumulativeAck(SeqNumber ack) => _scoreboard.Prune(ack);

    /// <summary>Whether this episode has already resent the segment at <paramref name="sndUna"/> (so a partial ACK repairs the next hole instead).</summary>
    public bool HasResentBeyond(SeqNumber sndUna) => _resentUpTo > sndUna;

    /// <summary>Records that everything before <paramref name="end"/> has been resent in this episode.</summary>
    public void MarkResent(SeqNumber end) => _resentUpTo = end;

    /// <summary>The lowest hole at or above SND.UNA that this episode has not resent yet.</summary>
    public bool TryFindNextHole(SeqNumber sndUna, out SeqNumber start, out SeqNumber end) =>
        _scoreboard.TryFindHole(SeqNumber.Max(_resentUpTo, sndUna), out start, out end);
}
