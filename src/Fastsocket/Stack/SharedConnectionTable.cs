using System.Numerics;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Stack;

/// <summary>
/// The one established table of a stack without the Local Established Table (<c>base</c>, <c>reuseport</c>), modelled on
/// Linux 2.6.32's ehash: a fixed array of hash chains that every core reads without a lock, as
/// <c>__inet_lookup_established</c> does under RCU since 2.6.29, and that cores change under per-bucket locks (a striped
/// array of locks, as the kernel's <c>ehash_locks</c>). Its cost is the one the kernel pays: chain heads and entries
/// written by one core and read by all move between the cores' caches, and every insert and removal takes a lock (each
/// counted on the calling core). Lookups take none.
/// </summary>
/// <remarks>
/// Entries are pooled per core, so after warm-up the table allocates nothing; an entry may therefore be reused while a
/// lock-free reader still stands on it, the problem the kernel solves with SLAB_DESTROY_BY_RCU and "nulls" list ends.
/// The same two checks do it here: each entry carries a sequence number that is odd while it is being rewritten, so a
/// reader that matched a key confirms the match did not change under it; and each entry records the bucket it is in, so a
/// reader that walked off the end of another bucket's chain (it stood on an entry that moved there) starts again.
/// Removing an entry never changes its own link, so a reader on a removed entry still reaches the rest of its chain.
/// </remarks>
internal sealed class SharedConnectionTable
{
    // Spacing of the per-core free lists, so that two cores never write one cache line of the array.
    private const int FreeListStride = 8;

    private readonly Entry?[] _heads;
    private readonly Lock[] _locks;
    private readonly Entry?[] _free;
    private readonly int _bucketMask;
    private readonly int _lockMask;

    /// <summary>A table for <paramref name="cores"/> cores with <paramref name="buckets"/> chains (rounded up to a power of two).</summary>
    public SharedConnectionTable(int cores, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        int bucketCount = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(buckets, 16, 1 << 24));
        // As the kernel sizes ehash_locks: a few hundred locks per CPU, never more than there are buckets.
        int lockCount = (int)Math.Min(bucketCount, BitOperations.RoundUpToPowerOf2((uint)(256 * cores)));
        _heads = new Entry?[bucketCount];
        _locks = new Lock[lockCount];
        for (int i = 0; i < lockCount; i++)
        {
            _locks[i] = new Lock();
        }
        _free = new Entry?[cores * FreeListStride];
        _bucketMask = bucketCount - 1;
        _lockMask = lockCount - 1;
    }

    /// <summary>Number of hash chains.</summary>
    public int BucketCount => _heads.Length;

    /// <summary>Number of bucket locks (each guards the buckets whose index has its low bits).</summary>
    public int LockCount => _locks.Length;

    /// <summary>The connection registered under <paramref name="key"/>, found without a lock.</summary>
    public bool TryGet(in FlowKey key, out TcpConnection? connection)
    {
        int bucket = BucketOf(key);
        SpinWait retries = default;
        while (true)
        {
            LookupResult result = Lookup(key, bucket, out connection);
            if (result != LookupResult.Retry)
            {
                return result == LookupResult.Found;
            }
            // Rare (an entry moved under us); back off as a seqlock reader does, yielding if it goes on.
            retries.SpinOnce();
        }
    }

    /// <summary>Whether a connection is registered under <paramref name="key"/> (no lock).</summary>
    public bool Contains(in FlowKey key) => TryGet(key, out _);

    /// <summary>Registers a connection unless the key is taken; one bucket lock, counted on the calling core.</summary>
    public bool TryAdd(in FlowKey key, TcpConnection connection, int core, EngineStatistics statistics)
    {
        int bucket = BucketOf(key);
        lock (_locks[bucket & _lockMask])
        {
            statistics.LockAcquisitions++;
            for (Entry? e = _heads[bucket]; e is not null; e = e.Next)
            {
                if (e.Key == key)
                {
                    return false;
                }
            }
            Entry entry = RentEntry(core);
            // Odd while rewritten: a reader still standing on this entry from its previous life sees the change.
            Interlocked.Increment(ref entry.Version);
            entry.Key = key;
            entry.Connection = connection;
            entry.Bucket = bucket;
            entry.Next = _heads[bucket];
            Volatile.Write(ref entry.Version, entry.Version + 1);
            // Published whole: the release write makes the fields visible before the entry is reachable.
            Volatile.Write(ref _heads[bucket], entry);
            return true;
        }
    }

    /// <summary>Unregisters <paramref name="connection"/> if it is the one under <paramref name="key"/>; one bucket lock, counted.</summary>
    public void Remove(in FlowKey key, TcpConnection connection, int core, EngineStatistics statistics)
    {
        int bucket = BucketOf(key);
        lock (_locks[bucket & _lockMask])
        {
            statistics.LockAcquisitions++;
            Entry? previous = null;
            for (Entry? e = _heads[bucket]; e is not null; previous = e, e = e.Next)
            {
                if (e.Key != key || !ReferenceEquals(e.Connection, connection))
                {
                    continue;
                }
                // The removed entry keeps its own link: a reader on it goes on along the chain.
                if (previous is null)
                {
                    Volatile.Write(ref _heads[bucket], e.Next);
                }
                else
                {
                    Volatile.Write(ref previous.Next, e.Next);
                }
                ReturnEntry(core, e);
                return;
            }
        }
    }

    private LookupResult Lookup(in FlowKey key, int bucket, out TcpConnection? connection)
    {
        connection = null;
        Entry? e = Volatile.Read(ref _heads[bucket]);
        while (e is not null)
        {
            // An odd version: the entry is being rewritten for another connection. A live connection's entry never is,
            // so such an entry is not the one sought; its link still leads to the end of some chain, checked below.
            int version = Volatile.Read(ref e.Version);
            bool match = (version & 1) == 0 && e.Key == key;
            TcpConnection? found = e.Connection;
            Entry? next = e.Next;
            int entryBucket = e.Bucket;
            // Order the reads above before the version is read again (a seqlock's read side).
            Interlocked.MemoryBarrier();
            bool unchanged = (version & 1) == 0 && e.Version == version;
            if (match && unchanged)
            {
                connection = found;
                return LookupResult.Found;
            }
            if (next is null)
            {
                // The last entry of a chain: of ours, or of another bucket's if an entry we walked moved there.
                return unchanged && entryBucket == bucket ? LookupResult.Missing : LookupResult.Retry;
            }
            e = next;
        }
        return LookupResult.Missing;
    }

    private int BucketOf(in FlowKey key) => key.GetHashCode() & _bucketMask;

    private Entry RentEntry(int core)
    {
        ref Entry? head = ref _free[core * FreeListStride];
        Entry? entry = head;
        if (entry is null)
        {
            return new Entry();
        }
        head = entry.NextFree;
        entry.NextFree = null;
        return entry;
    }

    private void ReturnEntry(int core, Entry entry)
    {
        ref Entry? head = ref _free[core * FreeListStride];
        entry.NextFree = head;
        head = entry;
    }

    private enum LookupResult
    {
        Missing,
        Found,
        Retry,
    }

    /// <summary>One registration: a key, its connection, and the link to the next entry of its chain.</summary>
    private sealed class Entry
    {
        /// <summary>Even when stable, odd while the entry is being rewritten for another connection.</summary>
        public int Version;
        public FlowKey Key;
        public TcpConnection? Connection;
        public Entry? Next;
        public int Bucket;

        /// <summary>The next entry of the owning core's free list (never read by lookups).</summary>
        public Entry? NextFree;
    }
}
