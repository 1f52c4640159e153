using System.Diagnostics;
using System.Buffers;

namespace Fastsocket.Tcp;

/// <summary>
/// The receive side of a connection: in-order bytes waiting for the application, plus out-of-order
/// segments held at their place in the window until the hole before them fills (RFC 9293 section 3.10.7.4
/// lets a receiver keep them; RFC 5681 section 4.2 wants them kept so one loss costs one retransmission).
/// </summary>
/// <remarks>
/// Positions are tracked as 64-bit stream offsets (bytes since the buffer was created) so that sequence
/// wraparound never reaches this type: the caller converts "segment seq - RCV.NXT" into the offset argument.
/// The ring is rented from the shared pool only while it holds data, so idle connections cost no buffer.
/// Out-of-order state is bounded twice: by the window (nothing beyond it is stored) and by the number of
/// separate ranges, so a peer sending many tiny disjoint segments cannot make us track unbounded holes.
/// </remarks>
public sealed class ReceiveBuffer
{
    /// <summary>Where the ring comes from while data is queued: the owning engine's pool, or the shared pool.</summary>
    public ArrayPool<byte> Pool { get; set; } = ArrayPool<byte>.Shared;

    private readonly int _capacity;
    private readonly int _maxRanges;

    // Out-of-order ranges [start, end) as stream offsets, sorted by start, disjoint and non-adjacent,
    // all strictly above _delivered. _stamps order them by last change, for SACK (RFC 2018 section 4).
    private readonly long[] _rangeStarts;
    private readonly long[] _rangeEnds;
    private readonly long[] _rangeStamps;
    private int _rangeCount;
    private long _stampCounter;

    private byte[]? _ring;
    private int _head;          // ring index of the stream byte at _consumed
    private long _consumed;     // stream offset of the next byte the application reads
    private long _delivered;    // stream offset of RCV.NXT
    private int _outOfOrderBytes;

    /// <summary>A buffer of <paramref name="capacity"/> bytes keeping at most <paramref name="maxOutOfOrderRanges"/> out-of-order ranges.</summary>
    public ReceiveBuffer(int capacity, int maxOutOfOrderRanges = 32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(maxOutOfOrderRanges);
        _capacity = capacity;
        _maxRanges = maxOutOfOrderRanges;
        _rangeStarts = new long[maxOutOfOrderRanges];
        _rangeEnds = new long[maxOutOfOrderRanges];
        _rangeStamps = new long[maxOutOfOrderRanges];
    }

    /// <summary>The most bytes the buffer holds (the socket's receive buffer size).</summary>
    public int Capacity => _capacity;

    /// <summary>In-order bytes the application can read now.</summary>
    public int Readable => (int)(_delivered - _consumed);

    /// <summary>
    /// The receive window to advertise (RCV.WND). Out-of-order bytes do not shrink it: they lie inside it,
    /// and shrinking would move the right edge left, which RFC 9293 section 3.8.6 discourages.
    /// </summary>
    public int Window => _capacity - Readable;

    /// <summary>Bytes held beyond a hole.</summary>
    public int OutOfOrderBytes => _outOfOrderBytes;

    /// <summary>Whether any bytes are held beyond a hole.</summary>
    public bool HasOutOfOrder => _rangeCount != 0;

    /// <summary>Number of separate out-of-order ranges held (at most the constructor's limit).</summary>
    public int OutOfOrderRanges => _rangeCount;

    /// <summary>Segments discarded because keeping them would exceed the range limit.</summary>
    public long DroppedOutOfOrderSegments { get; private set; }

    /// <summary>True while the buffer holds rented memory (for tests and memory accounting).</summary>
    public bool HoldsMemory => _ring != null;

    /// <summary>Length of the rented ring, 0 when none (for tests and memory accounting).</summary>
    internal int RingLength => _ring?.Length ?? 0;

    /// <summary>
    /// Stores a segment's payload that starts <paramref name="offset"/> bytes after RCV.NXT and returns how
    /// far RCV.NXT advances (zero for an out-of-order segment, more than the payload when it fills a hole).
    /// </summary>
    public int Insert(int offset, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        int window = Window;
        if (offset >= window || data.IsEmpty)
        {
            return 0;
        }
        int length = Math.Min(data.Length, window - offset);
        long start = _delivered + offset;
        long end = start + length;

        // Which stored ranges touch [start, end]? They are sorted, so they form one run [first, last).
        int first = 0;
        while (first < _rangeCount && _rangeEnds[first] < start)
        {
            first++;
        }
        int last = first;
        while (last < _rangeCount && _rangeStarts[last] <= end)
        {
            last++;
        }
        bool inOrder = offset == 0;
        if (!inOrder && first == last && _rangeCount == _maxRanges)
        {
            // A new disjoint range past the limit: drop it; the peer retransmits it later (RFC 9293 allows
            // discarding any out-of-order segment), and our memory stays bounded.
            DroppedOutOfOrderSegments++;
            return 0;
        }

        WriteToRing(start, data[..length]);

        if (first < last)
        {
            start = Math.Min(start, _rangeStarts[first]);
            end = Math.Max(end, _rangeEnds[last - 1]);
            RemoveRanges(first, last);
        }
        if (inOrder)
        {
            int advanced = (int)(end - _delivered);
            _delivered = end;
            Debug.Assert(_delivered - _consumed <= _capacity, "in-order bytes never exceed the buffer");
            return advanced;
        }
        InsertRange(first, start, end);
        return 0;
    }

    /// <summary>Moves in-order bytes to the application.</summary>
    public int Read(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, Readable);
        if (n == 0)
        {
            return 0;
        }
        byte[] ring = _ring!;
        int first = Math.Min(n, ring.Length - _head);
        ring.AsSpan(_head, first).CopyTo(destination);
        ring.AsSpan(0, n - first).CopyTo(destination[first..]);
        _consumed += n;
        _head += n;
        if (_head >= ring.Length)
        {
            _head -= ring.Length;
        }
        Debug.Assert(_head >= 0 && _head < ring.Length && _consumed <= _delivered, "ring head inside the ring, reads behind RCV.NXT");
        ReturnMemoryIfEmpty();
        return n;
    }

    /// <summary>
    /// Fills SACK blocks as [Start, End) offsets from RCV.NXT. Per RFC 2018 section 4 the first block holds
    /// the most recently received segment and the rest follow most recent first; "most recently changed"
    /// stands in for "most recently reported", which it equals when every change is acknowledged at once.
    /// </summary>
    public int GetSackBlocks(Span<(int Start, int End)> blocks)
    {
        int n = Math.Min(blocks.Length, _rangeCount);
        long below = long.MaxValue;
        for (int k = 0; k < n; k++)
        {
            // Selection by descending stamp; stamps are unique, so "largest below the previous" is exact.
            int best = -1;
            for (int i = 0; i < _rangeCount; i++)
            {
                if (_rangeStamps[i] < below && (best < 0 || _rangeStamps[i] > _rangeStamps[best]))
                {
                    best = i;
                }
            }
            below = _rangeStamps[best];
            blocks[k] = ((int)(_rangeStarts[best] - _delivered), (int)(_rangeEnds[best] - _delivered));
        }
        return n;
    }

    /// <summary>Discards everything, readable and out-of-order, and returns the memory (abort, reset).</summary>
    public void Clear()
    {
        _consumed = _delivered;
        _rangeCount = 0;
        _outOfOrderBytes = 0;
        ReturnMemoryIfEmpty();
    }

    private void WriteToRing(long streamOffset, ReadOnlySpan<byte> data)
    {
        // The window ends at _consumed + _capacity and the ring is at least _capacity long, so every byte
        // we accept has its own slot: no stored byte is ever overwritten by a different stream offset.
        // The ring starts small and doubles up to the window, as the send ring does: a request of a few hundred
        // bytes does not take a ring of the whole receive buffer.
        int needed = (int)(streamOffset + data.Length - _consumed);
        byte[] ring = _ring is { } current && current.Length >= needed ? current : Grow(needed);
        long pos = _head + (streamOffset - _consumed);
        int at = (int)(pos % ring.Length);
        int first = Math.Min(data.Length, ring.Length - at);
        data[..first].CopyTo(ring.AsSpan(at));
        data[first..].CopyTo(ring);
    }

    /// <summary>
    /// A ring of at least <paramref name="needed"/> bytes holding what the current one held, moved so that the byte
    /// at _consumed is at index 0. Everything stored (in order or not) lies within [_consumed, _consumed + old
    /// length), so copying the old ring from _head keeps every byte at the same distance from _consumed.
    /// </summary>
    private byte[] Grow(int needed)
    {
        byte[] fresh = Pool.Rent(RingBuffers.NextSize(_ring?.Length ?? 0, needed, _capacity));
        if (_ring is { } old)
        {
            int first = old.Length - _head;
            old.AsSpan(_head).CopyTo(fresh);
            old.AsSpan(0, _head).CopyTo(fresh.AsSpan(first));
            Pool.Return(old);
        }
        _ring = fresh;
        _head = 0;
        return fresh;
    }

    private void RemoveRanges(int first, int last)
    {
        int removed = last - first;
        for (int i = first; i < last; i++)
        {
            _outOfOrderBytes -= (int)(_rangeEnds[i] - _rangeStarts[i]);
        }
        for (int i = last; i < _rangeCount; i++)
        {
            _rangeStarts[i - removed] = _rangeStarts[i];
            _rangeEnds[i - removed] = _rangeEnds[i];
            _rangeStamps[i - removed] = _rangeStamps[i];
        }
        _rangeCount -= removed;
    }

    private void InsertRange(int index, long start, long end)
    {
        for (int i = _rangeCount; i > index; i--)
        {
            _rangeStarts[i] = _rangeStarts[i - 1];
            _rangeEnds[i] = _rangeEnds[i - 1];
            _rangeStamps[i] = _rangeStamps[i - 1];
        }
        _rangeStarts[index] = start;
        _rangeEnds[index] = end;
        _rangeStamps[index] = ++_stampCounter;
        _rangeCount++;
        _outOfOrderBytes += (int)(end - start);
    }

    private void ReturnMemoryIfEmpty()
    {
        if (_ring != null && _consumed == _delivered && _rangeCount == 0)
        {
            Pool.Return(_ring);
            _ring = null;
            _head = 0;
        }
    }
}
