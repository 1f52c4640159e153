namespace Fastsocket.Wire;

/// <summary>
/// Per-reason drop counts. Owned by one engine (no atomics): the owner increments, anyone may read a snapshot.
/// </summary>
public sealed class DropCounters
{
    private readonly long[] _counts = new long[(int)DropReason.Count];

    public void Add(DropReason reason) => _counts[(int)reason]++;

    public long this[DropReason reason] => Volatile.Read(ref _counts[(int)reason]);

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
