using System.Diagnostics;
using System.Buffers;

namespace Fastsocket.Tcp;

/// <summary>
/// Bytes the application wrote that the peer has not acknowledged yet: [SND.UNA, SND.UNA + Count).
/// A ring over a pooled array that is rented only while something is queued, so an idle connection
/// (the common case on a server with many keep-alive connections) holds no buffer memory at all.
/// </summary>
public sealed class SendBuffer
{
    /// <summary>Where the ring comes from while data is queued: the owning engine's pool, or the shared pool.</summary>
    public ArrayPool<byte> Pool { get; set; } = ArrayPool<byte>.Shared;

    private byte[]? _ring;
    private int _head;
    private int _count;
    private int _capacity;

    /// <summary>A buffer that holds at most <paramref name="capacity"/> bytes.</summary>
    public SendBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
    }

    /// <summary>Queued, unacknowledged bytes.</summary>
    public int Count => _count;

    /// <summary>Room left for the application to write.</summary>
    public int Free => _capacity - _count;

    /// <summary>True while the buffer holds rented memory (for tests and memory accounting).</summary>
    public bool HoldsMemory => _ring != null;

    /// <summary>Length of the rented ring, 0 when none (for tests and memory accounting).</summary>
    internal int RingLength => _ring?.Length ?? 0;

    /// <summary>
    /// Logical limit on queued bytes (SO_SNDBUF). It can shrink only down to what is queued, since queued
    /// bytes are promised to the peer; a larger value takes effect on the next rent or grow.
    /// </summary>
    public int Capacity
    {
        get => _capacity;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            ArgumentOutOfRangeException.ThrowIfLessThan(value, _count);
            _capacity = value;
        }
    }

    /// <summary>Queues as much of <paramref name="data"/> as fits and returns how much that was.</summary>
    public int Append(ReadOnlySpan<byte> data) => AppendUpTo(data, Free);

    /// <summary>
    /// Queues up to <paramref name="limit"/> bytes of <paramref name="data"/>, whatever <see cref="Capacity"/> says (the
    /// caller accounts for the memory, as Linux's send-buffer charge does), and returns how much it queued.
    /// </summary>
    internal int AppendUpTo(ReadOnlySpan<byte> data, int limit)
    {
        int n = Math.Min(data.Length, Math.Max(limit, 0));
        if (n == 0)
        {
            return 0;
        }
        EnsureRoom(_count + n);
        byte[] ring = _ring!;
        int tail = _head + _count;
        if (tail >= ring.Length)
        {
            tail -= ring.Length;
        }
        int first = Math.Min(n, ring.Length - tail);
        data[..first].CopyTo(ring.AsSpan(tail));
        data[first..n].CopyTo(ring);
        _count += n;
        Debug.Assert(_count <= ring.Length, "queued bytes fit the ring");
        return n;
    }

    /// <summary>Copies queued bytes [offset, offset + destination.Length) — e.g. a segment to (re)transmit.</summary>
    public void CopyTo(int offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destination.Length, _count - offset);
        if (destination.Length == 0)
        {
            return;
        }
        byte[] ring = _ring!;
        int start = _head + offset;
        if (start >= ring.Length)
        {
            start -= ring.Length;
        }
        int first = Math.Min(destination.Length, ring.Length - start);
        ring.AsSpan(start, first).CopyTo(destination);
        ring.AsSpan(0, destination.Length - first).CopyTo(destination[first..]);
    }

    /// <summary>Drops <paramref name="count"/> acknowledged bytes from the front (SND.UNA advanced).</summary>
    public void Release(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _count);
        _count -= count;
        if (_count == 0)
        {
            ReturnMemory();
            return;
        }
        _head += count;
        if (_head >= _ring!.Length)
        {
            _head -= _ring.Length;
        }
        Debug.Assert(_head >= 0 && _head < _ring.Length, "ring head inside the ring");
    }

    /// <summary>Drops everything (connection aborted) and returns the memory.</summary>
    public void Clear()
    {
        _count = 0;
        ReturnMemory();
    }

    private void ReturnMemory()
    {
        _head = 0;
        if (_ring != null)
        {
            Pool.Return(_ring);
            _ring = null;
        }
    }

    private void EnsureRoom(int needed)
    {
        if (_ring != null && _ring.Length >= needed)
        {
            return;
        }
        // Start small and double: most connections queue a request or a response of a few hundred bytes, and a
        // ring of the whole SO_SNDBUF (256 KB by default) for each of them made every connection in flight hold a
        // large-object-heap array. Doubling keeps a bulk writer's copies to less than the final size in total.
        byte[] fresh = Pool.Rent(RingBuffers.NextSize(_ring?.Length ?? 0, needed, _capacity));
        if (_ring != null)
        {
            CopyTo(0, fresh.AsSpan(0, _count));
            Pool.Return(_ring);
        }
        _ring = fresh;
        _head = 0;
    }
}
