namespace Fastsocket.Devices;

/// <summary>
/// The RSS indirection table: the low bits of the Toeplitz hash index a small table whose entries name receive
/// queues, as on real NICs (128 entries, enough for an even spread over any small queue count and cheap to
/// rewrite when queues are rebalanced). Entries are single ints, so a classifier reading while another thread
/// rewrites an entry sees the old or the new queue, never anything else.
/// </summary>
public sealed class RssIndirectionTable
{
    /// <summary>Entries in the table, as on Intel's 82599 and many other NICs; a power of two, so the hash's low 7 bits index it.</summary>
    public const int Size = 128;

    private readonly int[] _entries = new int[Size];

    /// <summary>Fills the table round-robin (entry e goes to queue e mod <paramref name="queueCount"/>).</summary>
    public RssIndirectionTable(int queueCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCount, 1);
        QueueCount = queueCount;
        FillRoundRobin();
    }

    /// <summary>Receive queues of the NIC; every entry is below it.</summary>
    public int QueueCount { get; }

    /// <summary>Entry <paramref name="index"/> (0 to <see cref="Size"/> - 1): the queue that hashes landing there go to. May be rewritten from any thread while packets are classified.</summary>
    /// <exception cref="ArgumentOutOfRangeException">On set, the value is not a queue (negative or at least <see cref="QueueCount"/>).</exception>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is outside the table.</exception>
    public int this[int index]
    {
        get => Volatile.Read(ref _entries[index]);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, QueueCount);
            Volatile.Write(ref _entries[index], value);
        }
    }

    /// <summary>The receive queue for a packet whose RSS hash is <paramref name="hash"/>.</summary>
    public int QueueFor(uint hash) => Volatile.Read(ref _entries[(int)(hash & (Size - 1))]);

    /// <summary>Resets every entry to the default spread, entry e to queue e mod <see cref="QueueCount"/>. Entries change one at a time, so a concurrent classifier may see a mix of old and new entries.</summary>
    public void FillRoundRobin()
    {
        for (int i = 0; i < Size; i++)
        {
            Volatile.Write(ref _entries[i], i % QueueCount);
        }
    }
}
