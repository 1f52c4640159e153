using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// What the peer has told us it holds above SND.UNA (RFC 2018 SACK blocks), merged into sorted disjoint ranges, so
/// that loss recovery can resend every hole below the highest SACKed byte within one round trip instead of one hole
/// per round trip (the idea of RFC 6675, kept minimal). Bounded: at most <see cref="Capacity"/> ranges.
/// </summary>
internal sealed class SackScoreboard
{
    public const int Capacity = 16;

    private readonly SeqNumber[] _starts = new SeqNumber[Capacity];
    private readonly SeqNumber[] _ends = new SeqNumber[Capacity];
    private int _count;

    public int Count => _count;

    public void Clear() => _count = 0;

    /// <summary>Bytes the ranges cover: grows when an ACK reports data not SACKed before (RFC 6675's DupAck test).</summary>
    public long SackedBytes
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _count; i++)
            {
                total += _ends[i] - _starts[i];
            }
            return total;
        }
    }

    /// <summary>Adds the blocks of one ACK, ignoring any part outside (SND.UNA, SND.MAX] (RFC 2018 lets us distrust those).</summary>
    public void Add(in TcpOptions options, SeqNumber sndUna, SeqNumber sndMax)
    {
        for (int i = 0; i < options.SackCount; i++)
        {
            var start = new SeqNumber(options.Sack[i].Left);
            var end = new SeqNumber(options.Sack[i].Right);
            start = SeqNumber.Max(start, sndUna);
            end = SeqNumber.Min(end, sndMax);
            if (end > start)
            {
                Insert(start, end);
            }
        }
    }

    /// <summary>Forgets everything at or below the new cumulative ACK.</summary>
    public void Prune(SeqNumber sndUna)
    {
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            if (_ends[i] <= sndUna)
            {
                continue;
            }
            _starts[kept] = SeqNumber.Max(_starts[i], sndUna);
            _ends[kept] = _ends[i];
            kept++;
        }
        _count = kept;
    }

    /// <summary>The first gap at or after <paramref name="from"/> that lies below a SACKed range.</summary>
    public bool TryFindHole(SeqNumber from, out SeqNumber start, out SeqNumber end)
    {
        SeqNumber cursor = from;
        for (int i = 0; i < _count; i++)
        {
            if (_ends[i] <= cursor)
            {
                continue;
            }
            if (_starts[i] > cursor)
            {
                start = cursor;
                end = _starts[i];
                return true;
            }
            cursor = _ends[i];
        }
        start = default;
        end = default;
        return false;
    }

    private void Insert(SeqNumber start, SeqNumber end)
    {
        // Find the first range that ends at or after our start; merge every range that touches [start, end).
        int i = 0;
        while (i < _count && _ends[i] < start)
        {
            i++;
        }
        int j = i;
        while (j < _count && _starts[j] <= end)
        {
            start = SeqNumber.Min(start, _starts[j]);
            end = SeqNumber.Max(end, _ends[j]);
            j++;
        }
        int merged = j - i;
        if (merged == 0 && _count == Capacity)
        {
            return;
        }
        int shift = 1 - merged;
        if (shift != 0)
        {
            Array.Copy(_starts, j, _starts, j + shift, _count - j);
            Array.Copy(_ends, j, _ends, j + shift, _count - j);
            _count += shift;
        }
        _starts[i] = start;
        _ends[i] = end;
    }
}
