using Fastsocket.Time;

namespace Fastsocket.Devices;

/// <summary>
/// One direction of an in-memory link: a single-producer single-consumer ring of fixed packet slots.
/// Every slot is allocated up front, so moving a packet costs one copy in and no allocation. Cursors are
/// monotonically increasing sequence numbers; the producer owns <c>_tail</c>, the consumer owns <c>_head</c>,
/// and each side only ever reads the other's cursor, so no locks or compare-and-swap are needed.
/// </summary>
internal sealed class PacketRing
{
    private readonly byte[] _buffer;
    private readonly int[] _lengths;
    private readonly long[] _stamps;
    private readonly int _capacity;
    private readonly int _slotSize;
    private readonly IClock? _stampClock;

    // Set only after a consumer has announced it is going to sleep, so a busy consumer costs the producer nothing.
    // Never disposed on purpose: the slim event only owns a kernel handle if WaitHandle is touched, which it is not.
    private readonly ManualResetEventSlim _wake = new(false);

    // Published by the consumer after it is done with a slot; the producer may then overwrite it.
    private PaddedLong _head;

    // Published by the producer in Publish(); slots below it are readable by the consumer.
    private PaddedLong _tail;

    // Producer-private: slots written but not yet published (a batch in progress).
    private PaddedLong _pendingTail;

    // Producer-private: last head it saw, so a non-full ring needs no read of the consumer's line.
    private PaddedLong _cachedHead;

    // Consumer-private: last tail it saw, so a non-empty ring needs no read of the producer's line.
    private PaddedLong _cachedTail;

    // 1 while the consumer is in (or entering) WaitForPackets.
    private PaddedLong _sleeping;

    /// <param name="capacity">Slots in the ring, at least 1: the most packets in flight between the two sides.</param>
    /// <param name="slotSize">Bytes per slot, at least 1: the largest packet the ring carries.</param>
    /// <param name="stampClock">When set, each packet records its transmit time (needed only for a fixed delay).</param>
    public PacketRing(int capacity, int slotSize, IClock? stampClock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        _capacity = capacity;
        _slotSize = slotSize;
        _buffer = new byte[checked(capacity * slotSize)];
        _lengths = new int[capacity];
        _stamps = stampClock is null ? [] : new long[capacity];
        _stampClock = stampClock;
    }

    public int Capacity => _capacity;

    /// <summary>Consumer side: whether a published packet is waiting.</summary>
    public bool HasPackets => Volatile.Read(ref _head.Value) != Volatile.Read(ref _tail.Value);

    /// <summary>Producer side: copies the packet into the next slot, unpublished. False when the ring is full.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> packet)
    {
        long tail = _pendingTail.Value;
        if (tail - _cachedHead.Value >= _capacity)
        {
            _cachedHead.Value = Volatile.Read(ref _head.Value);
            if (tail - _cachedHead.Value >= _capacity)
            {
                return false;
            }
        }

        int slot = (int)(tail % _capacity);
        packet.CopyTo(_buffer.AsSpan(slot * _slotSize, _slotSize));
        _lengths[slot] = packet.Length;
        if (_stampClock is not null)
        {
            _stamps[slot] = _stampClock.NowMicroseconds;
        }

        _pendingTail.Value = tail + 1;
        return true;
    }

    /// <summary>
    /// Producer side: makes every enqueued packet visible to the consumer and wakes it if it sleeps. When it
    /// publishes anything it ends with a full fence after the new tail, which the engine doorbell rung right after
    /// relies on (<see cref="Doorbell.RingAfterFence"/>).
    /// </summary>
    public void Publish()
    {
        long pending = _pendingTail.Value;
        if (pending == _tail.Value)
        {
            return;
        }

        // Release: the slot contents written above become visible no later than the new tail.
        Volatile.Write(ref _tail.Value, pending);

        // Store-load fence (Dekker): either this read sees the consumer's "sleeping" flag, or the consumer's
        // re-check after setting it sees the tail just written. Without the fence both could miss each other
        // and the consumer would sleep on a non-empty ring (a lost wakeup). One fence per batch, not per packet.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleeping.Value) != 0)
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// Consumer side: the oldest published packet, left in place; the span stays valid (and may be modified
    /// by the consumer, which owns the slot) until <see cref="Advance"/>.
    /// </summary>
    public bool TryPeek(out Span<byte> packet, out long transmitMicroseconds)
    {
        long head = _head.Value;
        if (head == _cachedTail.Value)
        {
            // Acquire: slot contents are read only after the tail that published them.
            _cachedTail.Value = Volatile.Read(ref _tail.Value);
            if (head == _cachedTail.Value)
            {
                packet = default;
                transmitMicroseconds = 0;
                return false;
            }
        }

        int slot = (int)(head % _capacity);
        packet = _buffer.AsSpan(slot * _slotSize, _lengths[slot]);
        transmitMicroseconds = _stamps.Length == 0 ? 0 : _stamps[slot];
        return true;
    }

    /// <summary>Consumer side: releases the slot returned by <see cref="TryPeek"/> back to the producer.</summary>
    public void Advance()
    {
        // Release: the consumer's reads of (and writes to) the slot finish before the producer may reuse it.
        Volatile.Write(ref _head.Value, _head.Value + 1);
    }

    /// <summary>
    /// Consumer side: blocks until a packet is published or the timeout passes. Returns whether packets are
    /// waiting; it may return false before the timeout after a stale wake-up, so callers simply poll again.
    /// </summary>
    public bool WaitForPackets(int timeoutMilliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMilliseconds, Timeout.Infinite);
        if (HasPackets)
        {
            return true;
        }

        // Reset before announcing sleep: a Set that lands after the announcement must not be erased.
        _wake.Reset();
        Interlocked.Exchange(ref _sleeping.Value, 1); // full fence, the consumer half of the Dekker pair in Publish
        try
        {
            if (!HasPackets)
            {
                _wake.Wait(timeoutMilliseconds);
            }
        }
        finally
        {
            Volatile.Write(ref _sleeping.Value, 0);
        }

        return HasPackets;
    }
}
