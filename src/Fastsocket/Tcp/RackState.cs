namespace Fastsocket.Tcp;

/// <summary>
/// RACK's view of the newest delivery (RFC 8985 6.1): the transmit time and end of the most recently sent segment
/// known delivered, the RTT it gave, the smallest RTT seen, and whether the path has reordered. A segment sent
/// before that one and still undelivered a reordering window later is lost. A mutable struct held in a field of
/// its connection and passed by reference, so an update costs no allocation or indirection.
/// </summary>
internal struct RackState
{
    /// <summary>Transmit time of the most recently sent segment delivered (RACK.xmit_ts), 0 before any.</summary>
    public long XmitTs;

    /// <summary>End of that segment (RACK.end_seq): breaks ties between segments sent in the same microsecond.</summary>
    public SeqNumber EndSeq;

    /// <summary>RTT of that delivery (RACK.rtt), microseconds.</summary>
    public long Rtt;

    /// <summary>Smallest RTT sampled by RACK on this connection, microseconds (long.MaxValue before any).</summary>
    public long MinRtt;

    /// <summary>Highest end of a delivered segment (RACK.fack): a later delivery below it is reordering.</summary>
    public SeqNumber Fack;

    /// <summary>
    /// <see cref="Fack"/> as it stood before the ACK being processed (Linux's prior_fack), or SND.UNA's position when
    /// nothing was delivered yet: only a segment below it was overtaken. What one ACK reports, in whatever order its
    /// SACK blocks and cumulative ACK come, is one arrival and no evidence of reordering among itself.
    /// </summary>
    public SeqNumber PriorFack;

    /// <summary>Whether <see cref="PriorFack"/> holds a delivery (a segment below it was overtaken by a delivered one).</summary>
    public bool HasPriorFack;

    /// <summary>Whether a delivery has set <see cref="XmitTs"/> yet.</summary>
    public bool HasDelivery;

    /// <summary>The path reordered a segment (RACK.reordering_seen): the window stays open even with many SACKed.</summary>
    public bool ReorderingSeen;

    /// <summary>
    /// The farthest a segment has been delivered out of order, in bytes: RACK.fack then, less the segment's start
    /// (Linux's reordering metric; divided by the MSS it is tcp_info's reordering degree).
    /// </summary>
    public int ReorderingDistance;

    /// <summary>Multiplier of the reordering window, raised by DSACKs that show spurious retransmissions (RFC 8985 6.2 step 4).</summary>
    public int WindowSteps;

    /// <summary>SND.MAX when <see cref="WindowSteps"/> last grew: it grows at most once a round trip.</summary>
    public SeqNumber StepRoundEnd;

    /// <summary>Recoveries since <see cref="WindowSteps"/> last grew; after 16 it returns to 1 (RFC 8985 6.2 step 4).</summary>
    public int RecoveriesSinceStep;

    /// <summary>
    /// A DSACK arrived (RFC 8985 6.2 step 4): the window was too small for this path's reordering; widen it by one
    /// step, at most once per round trip (<paramref name="sndUna"/> past the SND.MAX of the last widening) and to 256 steps.
    /// </summary>
    public void OnDsack(SeqNumber sndUna, SeqNumber sndMax)
    {
        ReorderingSeen = true;
        if (WindowSteps < 256 && (RecoveriesSinceStep < 0 || sndUna >= StepRoundEnd))
        {
            WindowSteps++;
            StepRoundEnd = sndMax;
            RecoveriesSinceStep = 0;
        }
    }

    /// <summary>A recovery episode starts: after 16 without a DSACK widening the window, it returns to one step.</summary>
    public void OnRecovery()
    {
        if (++RecoveriesSinceStep >= 16)
        {
            WindowSteps = 1;
            RecoveriesSinceStep = 0;
        }
    }

    /// <summary>An ACK arrives: what it reports is judged for reordering against the deliveries known before it.</summary>
    public void BeginAck()
    {
        PriorFack = Fack;
        HasPriorFack = HasDelivery;
    }

    /// <summary>A new connection.</summary>
    public void Reset()
    {
        this = default;
        MinRtt = long.MaxValue;
        WindowSteps = 1;
        RecoveriesSinceStep = -1;
    }

    /// <summary>
    /// RFC 8985 6.2 steps 1 to 3 for one segment newly delivered (cumulatively ACKed or SACKed): take its transmit
    /// time if it was sent after the newest delivery so far, unless it was retransmitted so recently that the ACK
    /// must be for the original (the ambiguity test of step 2); note reordering when it lies below RACK.fack.
    /// </summary>
    public void OnDelivered(in SentSegment segment, long now)
    {
        long rtt = now - segment.SentAt;
        if (segment.EverRetransmitted && rtt < (MinRtt == long.MaxValue ? 0 : MinRtt))
        {
            return;
        }
        // Reordering (Linux's tcp_check_sack_reordering): a segment never retransmitted arrived after one sent later
        // had been reported delivered by an earlier ACK. Comparing with RACK.fack as this ACK moved it would take an
        // ACK that fills the head and SACKs beyond a hole (or lists its SACK blocks newest first) for reordering,
        // which opens the reordering window and delays every repair after the first loss.
        if (!segment.EverRetransmitted && HasPriorFack && segment.Start < PriorFack)
        {
            ReorderingSeen = true;
            ReorderingDistance = Math.Max(ReorderingDistance, Fack - segment.Start);
        }
        if (!HasDelivery || segment.End > Fack)
        {
            Fack = segment.End;
        }
        if (!segment.EverRetransmitted && rtt >= 0 && rtt < MinRtt)
        {
            MinRtt = Math.Max(rtt, 1);
        }
        // RACK.rtt comes from every delivery that passes the test above, in the order an ACK reports them (SACK blocks,
        // then the cumulative ACK, each in sequence order), as Linux's tcp_rack_advance takes it; only the newest
        // transmit time is kept as RACK.xmit_ts.
        Rtt = Math.Max(rtt, 0);
        if (!HasDelivery || segment.SentAt > XmitTs || (segment.SentAt == XmitTs && segment.End > EndSeq))
        {
            XmitTs = segment.SentAt;
            EndSeq = segment.End;
            HasDelivery = true;
        }
    }

    /// <summary>
    /// RACK.reo_wnd (RFC 8985 6.2 step 4, as Linux's tcp_rack_reo_wnd): none before reordering has been seen once
    /// recovery is under way or DupThresh segments are SACKed (so a plain loss is repaired at once, as three
    /// duplicate ACKs would), otherwise a quarter of the minimum RTT per step, at most SRTT.
    /// </summary>
    public readonly long ReorderingWindow(bool inRecovery, int sackedSegments, long smoothedRtt)
    {
        if (!ReorderingSeen && (inRecovery || sackedSegments >= FastRecoveryState.DupAckThreshold))
        {
            return 0;
        }
        long minRtt = MinRtt == long.MaxValue ? 0 : MinRtt;
        long window = minRtt / 4 * WindowSteps;
        return smoothedRtt > 0 ? Math.Min(window, smoothedRtt) : window;
    }

    /// <summary>
    /// Whether <paramref name="segment"/> was sent before the newest delivered one (RACK_sent_after with the
    /// arguments reversed), so that RACK may judge it; the remaining wait before it counts as lost comes out.
    /// </summary>
    public readonly bool IsJudgeable(in SentSegment segment, long reorderingWindow, long now, out long remaining)
    {
        remaining = 0;
        if (!HasDelivery || !(XmitTs > segment.SentAt || (XmitTs == segment.SentAt && EndSeq > segment.End)))
        {
            return false;
        }
        remaining = segment.SentAt + Rtt + reorderingWindow - now;
        return true;
    }
}
