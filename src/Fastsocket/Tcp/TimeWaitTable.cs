using System.Numerics;
using System.Runtime.CompilerServices;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// Connections in TIME-WAIT, held outside the connection table in a fixed-size structure. All entries
/// share one 2*MSL lifetime, so insertion order is expiry order: an intrusive FIFO list gives O(1)
/// expiry, and a chained hash over preallocated arrays gives O(1) lookup, with no allocation after
/// construction. When full, <see cref="TryAdd"/> refuses and the caller closes without TIME-WAIT and
/// counts it — what Linux does at tcp_max_tw_buckets, trading RFC 9293's 2*MSL wait for bounded memory.
/// </summary>
public sealed class TimeWaitTable
{
    private const int None = -1;

    private readonly TimeWaitRecord[] _records;
    private readonly int[] _chainNext;   // hash chain, and the free list when a slot is unused
    private readonly int[] _older;       // expiry list towards the head (oldest)
    private readonly int[] _newer;       // expiry list towards the tail (newest)
    private readonly int[] _buckets;
    private readonly int _bucketMask;
    private int _oldest = None;
    private int _newest = None;
    private int _free;

    /// <summary>A table of at most <paramref name="capacity"/> records.</summary>
    public TimeWaitTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _records = new TimeWaitRecord[capacity];
        _chainNext = new int[capacity];
        _older = new int[capacity];
        _newer = new int[capacity];
        // Power-of-two buckets at least as many as entries: chains average under one entry.
        int buckets = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 1));
        _buckets = new int[buckets];
        _bucketMask = buckets - 1;
        Array.Fill(_buckets, None);
        for (int i = 0; i < capacity; i++)
        {
            _chainNext[i] = i + 1 < capacity ? i + 1 : None;
        }
        _free = capacity > 0 ? 0 : None;
    }

    /// <summary>The most records the table holds (Linux's tcp_max_tw_buckets).</summary>
    public int Capacity { get; }

    /// <summary>Records held.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Adds a record, or replaces the one for the same tuple (and moves it to the back of the expiry
    /// order). Returns false when the table is full. Expiry order assumes <see cref="TimeWaitRecord.ExpiresAt"/>
    /// never decreases from one call to the next, which holds when it is always now + 2*MSL.
    /// </summary>
    public bool TryAdd(in TimeWaitRecord record)
    {
        int existing = Find(record.Key, out _);
        if (existing != None)
        {
            _records[existing] = record;
            MoveToNewest(existing);
            return true;
        }
        if (_free == None)
        {
            return false;
        }
        int slot = _free;
        _free = _chainNext[slot];
        _records[slot] = record;
        int bucket = Bucket(record.Key);
        _chainNext[slot] = _buckets[bucket];
        _buckets[bucket] = slot;
        LinkNewest(slot);
        Count++;
        return true;
    }

    /// <summary>Finds the record for <paramref name="key"/>.</summary>
    public bool TryGet(in FlowKey key, out TimeWaitRecord record)
    {
        int slot = Find(key, out _);
        if (slot == None)
        {
            record = default;
            return false;
        }
        record = _records[slot];
        return true;
    }

    /// <summary>Whether the 4-tuple is still in TIME-WAIT (for ephemeral port selection).</summary>
    public bool IsInUse(IpAddress local, ushort localPort, IpAddress remote, ushort remotePort) =>
        Find(new FlowKey(local, localPort, remote, remotePort), out _) != None;

    /// <summary>
    /// A reference to the stored record for in-place updates (e.g. TS.Recent), or a null reference when
    /// absent (test with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>). Do not change its Key, nor
    /// ExpiresAt: use <see cref="Refresh"/> for that. The reference is valid until the next mutation.
    /// </summary>
    public ref TimeWaitRecord GetValueRefOrNullRef(in FlowKey key)
    {
        int slot = Find(key, out _);
        if (slot == None)
        {
            return ref Unsafe.NullRef<TimeWaitRecord>();
        }
        return ref _records[slot];
    }

    /// <summary>
    /// Restarts the 2*MSL timer, as RFC 9293 section 3.10.7.4 requires when a retransmitted FIN arrives
    /// in TIME-WAIT; the record moves to the back of the expiry order.
    /// </summary>
    public bool Refresh(in FlowKey key, long newExpiresAt)
    {
        int slot = Find(key, out _);
        if (slot == None)
        {
            return false;
        }
        _records[slot].ExpiresAt = newExpiresAt;
        MoveToNewest(slot);
        return true;
    }

    /// <summary>Removes the record for <paramref name="key"/>; returns whether there was one.</summary>
    public bool Remove(in FlowKey key)
    {
        int slot = Find(key, out int previous);
        if (slot == None)
        {
            return false;
        }
        RemoveSlot(slot, previous);
        return true;
    }

    /// <summary>Drops every record whose timer has fired by <paramref name="nowMicros"/>; returns how many.</summary>
    public int Expire(long nowMicros)
    {
        int removed = 0;
        while (_oldest != None && _records[_oldest].ExpiresAt <= nowMicros)
        {
            int slot = _oldest;
            Find(_records[slot].Key, out int previous);
            RemoveSlot(slot, previous);
            removed++;
        }
        return removed;
    }

    /// <summary>When the oldest record expires, so the caller can arm one timer for the whole table.</summary>
    public bool TryGetNextExpiry(out long expiresAt)
    {
        if (_oldest == None)
        {
            expiresAt = 0;
            return false;
        }
        expiresAt = _records[_oldest].ExpiresAt;
        return true;
    }

    /// <summary>
    /// RFC 6191 section 2: may a SYN for a tuple in TIME-WAIT start a new incarnation now? With timestamps
    /// on both sides, iff its TSval is newer than TS.Recent (serial comparison, RFC 7323 section 5.2);
    /// otherwise iff its ISN lies beyond everything the old incarnation used (RFC 1122 section 4.2.2.13).
    /// Either way no old duplicate can be mistaken for data of the new connection.
    /// </summary>
    /// <remarks>
    /// Where RFC 6191 and Linux differ we follow Linux, because users see the difference: RFC 6191 judges by the
    /// timestamp alone when both sides use timestamps, so a SYN sent in the same millisecond as the old
    /// connection's last segment (an equal TSval) is refused and the client stalls for a one-second SYN
    /// retransmission. Linux (tcp_timewait_state_process) refuses only what PAWS would reject, an older TSval,
    /// and otherwise accepts a newer TSval or a newer sequence number.
    /// </remarks>
    public static bool AllowsReuse(in TimeWaitRecord r, SeqNumber synSeq, bool synHasTimestamp, uint synTsVal)
    {
        if (r.HasTimestamps && synHasTimestamp)
        {
            int age = unchecked((int)(synTsVal - r.TsRecent));
            return age > 0 || (age == 0 && synSeq > r.RcvNxt);
        }
        return synSeq > r.RcvNxt;
    }

    private int Bucket(in FlowKey key) => key.GetHashCode() & _bucketMask;

    private int Find(in FlowKey key, out int previous)
    {
        previous = None;
        int slot = _buckets[Bucket(key)];
        while (slot != None)
        {
            if (_records[slot].Key.Equals(key))
            {
                return slot;
            }
            previous = slot;
            slot = _chainNext[slot];
        }
        return None;
    }

    private void RemoveSlot(int slot, int previousInChain)
    {
        if (previousInChain == None)
        {
            _buckets[Bucket(_records[slot].Key)] = _chainNext[slot];
        }
        else
        {
            _chainNext[previousInChain] = _chainNext[slot];
        }
        Unlink(slot);
        _records[slot] = default;
        _chainNext[slot] = _free;
        _free = slot;
        Count--;
    }

    private void MoveToNewest(int slot)
    {
        if (_newest == slot)
        {
            return;
        }
        Unlink(slot);
        LinkNewest(slot);
    }

    private void LinkNewest(int slot)
    {
        _older[slot] = _newest;
        _newer[slot] = None;
        if (_newest != None)
        {
            _newer[_newest] = slot;
        }
        else
        {
            _oldest = slot;
        }
        _newest = slot;
    }

    private void Unlink(int slot)
    {
        int older = _older[slot];
        int newer = _newer[slot];
        if (older != None)
        {
            _newer[older] = newer;
        }
        else
        {
            _oldest = newer;
        }
        if (newer != None)
        {
            _older[newer] = older;
        }
        else
        {
            _newest = older;
        }
    }
}
