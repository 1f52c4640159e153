namespace Fastsocket.Wire;

/// <summary>
/// Per-reason drop counts. Owned by one engine (no atomics): the owner increments, anyone may read a snapshot.
/// </summary>
public sealed class DropCounters
{
    private readonly long[] _counts = new long[(int)DropReason.Count];

    /// <summary>Counts one drop. Only the owning engine's thread may call this: the increment is not atomic.</summary>
    /// <param name="reason">The reason; <see cref="DropReason.None"/> is counted too but left out of <see cref="Total"/>.</param>
    public void Add(DropReason reason) => _counts[(int)reason]++;

    /// <summary>The number of drops counted under <paramref name="reason"/>; safe to read from any thread (may lag the owner by a few increments).</summary>
    public long this[DropReason reason] => Volatile.Read(ref _counts[(int)reason]);

    /// <summary>The sum over every reason except <see cref="DropReason.None"/>; a snapshot that any thread may read.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            for (int i = 1; i < _counts.Length; i++)
            {
                total += Volatile.Read(ref _counts[i]);
            }
            return total;
        }
    }

    /// <summary>Adds these counts into <paramref name="other"/>, used to total the per-engine counters into one report.</summary>
    /// <param name="other">The accumulator; the caller must be the only writer to it while this runs.</param>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    public void AddTo(DropCounters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < _counts.Length; i++)
        {
            other._counts[i] += Volatile.Read(ref _counts[i]);
        }
    }

    /// <summary>Reasons with a non-zero count, for reports.</summary>
    public IEnumerable<(DropReason Reason, long Count)> NonZero()
    {
        for (int i = 1; i < _counts.Length; i++)
        {
            long c = Volatile.Read(ref _counts[i]);
            if (c != 0)
            {
                yield return ((DropReason)i, c);
            }
        }
    }
}
