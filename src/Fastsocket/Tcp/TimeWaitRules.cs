using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// Segments for a connection in TIME-WAIT, which lives on as a compact <see cref="TimeWaitRecord"/> (RFC 9293
/// 3.10.7.4 for TIME-WAIT, RFC 5961 for RSTs and SYNs, RFC 6191 for reopening with a new SYN).
/// </summary>
internal static class TimeWaitRules
{
    /// <summary>Decides what a segment for <paramref name="record"/> calls for at <paramref name="nowMicroseconds"/>.</summary>
    public static TimeWaitVerdict OnSegment(in FlowKey key, in IncomingSegment seg, in TimeWaitRecord record, long nowMicroseconds)
    {
        int window = record.WindowField << record.WindowShift;
        if (seg.Has(TcpFlags.Rst))
        {
            // RFC 5961 3.2 applied to TIME-WAIT: only an exact match may cut it short; one elsewhere in the window
            // gets a challenge ACK; one outside it is dropped.
            if (seg.Seq == record.RcvNxt)
            {
                return new TimeWaitVerdict(TimeWaitAction.Close, TcpReply.None);
            }
            if (seg.Seq.IsInRange(record.RcvNxt, record.RcvNxt + Math.Max(window, 1)))
            {
                return new TimeWaitVerdict(TimeWaitAction.ChallengeAck, Ack(key, record, nowMicroseconds));
            }
            return new TimeWaitVerdict(TimeWaitAction.Drop, TcpReply.None);
        }
        if (seg.Has(TcpFlags.Syn) && !seg.Has(TcpFlags.Ack))
        {
            if (TimeWaitTable.AllowsReuse(record, seg.Seq, seg.Options.HasTimestamps, seg.Options.TsVal))
            {
                // RFC 6191 / Linux: the new incarnation's ISN lies beyond anything the old one sent.
                return new TimeWaitVerdict(TimeWaitAction.Reopen, Ack(key, record, nowMicroseconds), record.SndNxt + 65537);
            }
            return new TimeWaitVerdict(TimeWaitAction.Reply, Ack(key, record, nowMicroseconds));
        }
        if (seg.Has(TcpFlags.Fin))
        {
            // A retransmitted FIN means our last ACK was lost: ACK it again and restart 2MSL (RFC 9293 3.10.7.4).
            return new TimeWaitVerdict(TimeWaitAction.Restart, Ack(key, record, nowMicroseconds));
        }
        // RFC 5961 4.2: a SYN-ACK gets a challenge ACK; RFC 9293 3.10.7.4 first step: an empty segment outside the
        // window gets an ACK; text cannot be taken after the FIN and is answered with the ACK that says so.
        bool acceptableEmpty = window == 0 ? seg.Seq == record.RcvNxt : seg.Seq.IsInRange(record.RcvNxt, record.RcvNxt + window);
        if (seg.Has(TcpFlags.Syn) || seg.Payload.Length > 0 || !acceptableEmpty)
        {
            return new TimeWaitVerdict(TimeWaitAction.Reply, Ack(key, record, nowMicroseconds));
        }
        return new TimeWaitVerdict(TimeWaitAction.Drop, TcpReply.None);
    }

    /// <summary>The ACK a TIME-WAIT record sends: its final sequence numbers, window and timestamps.</summary>
    private static TcpReply Ack(in FlowKey key, in TimeWaitRecord record, long nowMicroseconds)
    {
        TcpOptions options = default;
        if (record.HasTimestamps)
        {
            options.HasTimestamps = true;
            options.TsVal = (uint)(nowMicroseconds / 1000) + record.TsOffset;
            options.TsEcr = record.TsRecent;
        }
        return new TcpReply(key, record.SndNxt.Value, record.RcvNxt.Value, TcpFlags.Ack, record.WindowField, options);
    }
}
