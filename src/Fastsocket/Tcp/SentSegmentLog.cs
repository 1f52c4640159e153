using System.Buffers;
using System.Diagnostics;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// Every segment in flight, in sequence order (SND.UNA to SND.MAX), with its transmit time and scoreboard marks:
/// what RACK (RFC 8985) judges by time and RFC 6675's pipe and NextSeg are computed from. A ring over an array
/// rented from the shared pool at the first send and kept by the pooled connection (a grown one goes back), so the
/// packet path allocates nothing; when it is full (<see cref="MaxRecords"/>) a new segment is merged into the last
/// record, which only coarsens what a later loss resends.
/// The byte counts are kept as the marks change, so the pipe costs no walk on a clean path.
/// </summary>
internal sealed class SentSegmentLog
{
    /// <summary>Records one connection may keep before merging (256 KB of 1448-byte segments is 182).</summary>
    public const int MaxRecords = 1024;

    private const int InitialRecords = 32;

    private SentSegment[]? _ring;
    private int _head;
    private int _count;

    /// <summary>Segments recorded.</summary>
    public int Count => _count;

    /// <summary>Bytes the peer SACKed above SND.UNA.</summary>
    public long SackedBytes { get; private set; }

    /// <summary>Segments the peer SACKed above SND.UNA.</summary>
    public int SackedSegments { get; private set; }

    /// <summary>Bytes deemed lost and not SACKed since (Linux's lost_out, in bytes).</summary>
    public long LostBytes { get; private set; }

    /// <summary>Bytes whose retransmission is in flight (Linux's retrans_out, in bytes).</summary>
    public long RetransmittedBytes { get; private set; }

    /// <summary>Bytes deemed lost whose retransmission has not been sent yet.</summary>
    public long LostUnsentBytes { get; private set; }

    /// <summary>Whether any segment is SACKed or lost: only then is there anything for RACK or NextSeg to look at.</summary>
    public bool HasMarks => SackedBytes > 0 || LostBytes > 0;

    /// <summary>The record at <paramref name="index"/> (0 is the oldest), by reference.</summary>
    public ref SentSegment this[int index]
    {
        get
        {
            Debug.Assert(index >= 0 && index < _count, "index within the log");
            int slot = _head + index;
            SentSegment[] ring = _ring!;
            if (slot >= ring.Length)
            {
                slot -= ring.Length;
            }
            return ref ring[slot];
        }
    }

    /// <summary>
    /// Forgets everything (the connection goes back to its pool). A grown ring goes back to the shared pool; the
    /// initial one stays with the pooled connection, so a short connection neither rents nor returns.
    /// </summary>
    public void Clear()
    {
        ForgetAll();
        if (_ring is not null && _ring.Length > InitialRecords)
        {
            ArrayPool<SentSegment>.Shared.Return(_ring);
            _ring = null;
        }
    }

    /// <summary>Forgets every record but keeps the memory.</summary>
    public void ForgetAll()
    {
        _head = 0;
        _count = 0;
        SackedBytes = 0;
        SackedSegments = 0;
        LostBytes = 0;
        RetransmittedBytes = 0;
        LostUnsentBytes = 0;
    }

    /// <summary>
    /// New data [<paramref name="start"/>, <paramref name="end"/>) went out for the first time at <paramref name="now"/>,
    /// with PSH when <paramref name="push"/>.
    /// </summary>
    public void OnSent(SeqNumber start, SeqNumber end, long now, bool push = false)
    {
        if (_count > 0)
        {
            ref SentSegment last = ref this[_count - 1];
            if (start > last.End)
            {
                // Bytes sent outside the log (a zero-window probe) join this record, so none is left unaccounted.
                start = last.End;
            }
            if (_count == MaxRecords || (_ring!.Length == _count && !Grow()))
            {
                // Full: the new bytes join the last record, as if sent with it now.
                last.End = end;
                last.SentAt = now;
                last.Push = push;
                return;
            }
        }
        else if (_ring is null)
        {
            _ring = ArrayPool<SentSegment>.Shared.Rent(InitialRecords);
        }
        int slot = _head + _count;
        if (slot >= _ring!.Length)
        {
            slot -= _ring.Length;
        }
        _ring[slot] = new SentSegment { Start = start, End = end, SentAt = now, Push = push };
        _count++;
    }

    /// <summary>
    /// [<paramref name="start"/>, <paramref name="end"/>) was sent again at <paramref name="now"/>: every record it
    /// overlaps is retransmitted now (a lost one stays lost until delivered, counted in flight once by its copy).
    /// </summary>
    public void OnRetransmitted(SeqNumber start, SeqNumber end, long now)
    {
        for (int i = 0; i < _count; i++)
        {
            ref SentSegment s = ref this[i];
            if (s.End <= start)
            {
                continue;
            }
            if (s.Start >= end)
            {
                break;
            }
            s.SentAt = now;
            s.EverRetransmitted = true;
            if (!s.Sacked && !s.Retransmitted)
            {
                s.Retransmitted = true;
                RetransmittedBytes += s.Length;
                if (s.Lost)
                {
                    LostUnsentBytes -= s.Length;
                }
            }
        }
    }

    /// <summary>
    /// SND.UNA moved to <paramref name="ack"/>: records wholly below it leave the log, each reported to RACK as
    /// delivered unless already SACKed (and reported then).
    /// </summary>
    public void AckTo(SeqNumber ack, ref RackState rack, long now)
    {
        while (_count > 0)
        {
            ref SentSegment s = ref this[0];
            if (s.End > ack)
            {
                if (s.Start < ack)
                {
                    // Part of it was delivered; what remains keeps its marks, counted by its new length.
                    Unmark(ref s);
                    s.Start = ack;
                    Mark(ref s);
                }
                break;
            }
            if (!s.Sacked)
            {
                rack.OnDelivered(s, now);
            }
            Unmark(ref s);
            _head++;
            if (_head == _ring!.Length)
            {
                _head = 0;
            }
            _count--;
        }
        if (_count == 0)
        {
            _head = 0;
        }
    }

    /// <summary>
    /// Marks the records that the SACK blocks of one ACK wholly cover (RFC 2018), reporting each newly SACKed one to
    /// RACK. Blocks at or below SND.UNA, or inside another block of the same ACK, are DSACKs (RFC 2883) and only
    /// counted. Returns the bytes newly SACKed.
    /// </summary>
    public long ApplySack(in TcpOptions options, SeqNumber sndUna, ref RackState rack, long now, out bool dsack)
    {
        dsack = false;
        long before = SackedBytes;
        for (int b = 0; b < options.SackCount; b++)
        {
            var start = new SeqNumber(options.Sack[b].Left);
            var end = new SeqNumber(options.Sack[b].Right);
            if (end <= start)
            {
                continue;
            }
            if (b == 0 && (end <= sndUna || (options.SackCount > 1 &&
                start >= new SeqNumber(options.Sack[1].Left) && end <= new SeqNumber(options.Sack[1].Right))))
            {
                // RFC 2883 4: the first block reports a duplicate, below the cumulative ACK or inside the second.
                dsack = true;
                if (end <= sndUna)
                {
                    continue;
                }
            }
            for (int i = 0; i < _count; i++)
            {
                ref SentSegment s = ref this[i];
                if (s.End <= start)
                {
                    continue;
                }
                if (s.Start >= end)
                {
                    break;
                }
                if (!s.Sacked && s.Start >= start && s.End <= end)
                {
                    Unmark(ref s);
                    s.Sacked = true;
                    s.Lost = false;
                    s.Retransmitted = false;
                    Mark(ref s);
                    rack.OnDelivered(s, now);
                }
            }
        }
        return SackedBytes - before;
    }

    /// <summary>
    /// Marks the record at <paramref name="index"/> lost (again, if its retransmission was lost too; a SACKed one
    /// only when the peer may have reneged, after repeated timeouts).
    /// </summary>
    public void MarkLost(int index)
    {
        ref SentSegment s = ref this[index];
        Unmark(ref s);
        s.Sacked = false;
        s.Lost = true;
        s.Retransmitted = false;
        Mark(ref s);
    }

    /// <summary>An undone episode: what was deemed lost and not yet resent is in flight after all.</summary>
    public void ClearUnsentLostMarks()
    {
        if (LostUnsentBytes <= 0)
        {
            return;
        }
        for (int i = 0; i < _count; i++)
        {
            ref SentSegment s = ref this[i];
            if (s.Lost && !s.Retransmitted && !s.Sacked)
            {
                Unmark(ref s);
                s.Lost = false;
                Mark(ref s);
            }
        }
    }

    /// <summary>Whether the record that ends at <paramref name="end"/> went out with PSH (a retransmission ending there repeats it).</summary>
    public bool PushesAt(SeqNumber end)
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            ref SentSegment s = ref this[i];
            if (s.End <= end)
            {
                return s.End == end && s.Push;
            }
        }
        return false;
    }

    /// <summary>The first record deemed lost whose retransmission has not gone out (RFC 6675 NextSeg rule 1), or -1.</summary>
    public int FirstLostUnsent()
    {
        if (LostUnsentBytes <= 0)
        {
            return -1;
        }
        for (int i = 0; i < _count; i++)
        {
            ref SentSegment s = ref this[i];
            if (s.Lost && !s.Retransmitted && !s.Sacked)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// RFC 6675's pipe in bytes (Linux's packets_in_flight): what was sent and is not SACKed or deemed lost, plus
    /// the retransmissions in flight.
    /// </summary>
    public long Pipe(SeqNumber sndUna, SeqNumber sndMax) => (sndMax - sndUna) - SackedBytes - LostBytes + RetransmittedBytes;

    private void Unmark(ref SentSegment s)
    {
        int length = s.Length;
        if (s.Sacked)
        {
            SackedBytes -= length;
            SackedSegments--;
            return;
        }
        if (s.Lost)
        {
            LostBytes -= length;
            if (!s.Retransmitted)
            {
                LostUnsentBytes -= length;
            }
        }
        if (s.Retransmitted)
        {
            RetransmittedBytes -= length;
        }
    }

    private void Mark(ref SentSegment s)
    {
        int length = s.Length;
        if (s.Sacked)
        {
            SackedBytes += length;
            SackedSegments++;
            return;
        }
        if (s.Lost)
        {
            LostBytes += length;
            if (!s.Retransmitted)
            {
                LostUnsentBytes += length;
            }
        }
        if (s.Retransmitted)
        {
            RetransmittedBytes += length;
        }
    }

    /// <summary>Doubles the ring (up to <see cref="MaxRecords"/>), keeping the records in order.</summary>
    private bool Grow()
    {
        SentSegment[] old = _ring!;
        if (old.Length >= MaxRecords)
        {
            return false;
        }
        SentSegment[] fresh = ArrayPool<SentSegment>.Shared.Rent(Math.Min(old.Length * 2, MaxRecords));
        for (int i = 0; i < _count; i++)
        {
            fresh[i] = this[i];
        }
        ArrayPool<SentSegment>.Shared.Return(old);
        _ring = fresh;
        _head = 0;
        return true;
    }
}
