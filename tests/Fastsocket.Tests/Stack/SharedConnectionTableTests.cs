using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Stack;

/// <summary>The shared established table of the paper's baseline: lock-free lookups, per-bucket locks for changes.</summary>
public class SharedConnectionTableTests
{
    private static readonly IpAddress Local = IpAddress.FromIPv4(198, 18, 0, 2);
    private static readonly IpAddress Remote = IpAddress.FromIPv4(198, 18, 0, 1);

    private static FlowKey Key(int i) => new(Local, 80, Remote, (ushort)(1024 + i));

    [Fact]
    public void LookupsTakeNoLockAndChangesTakeOneBucketLockEach()
    {
        var table = new SharedConnectionTable(cores: 2, buckets: 64);
        var statistics = new EngineStatistics();
        var connections = new TcpConnection[200];
        for (int i = 0; i < connections.Length; i++)
        {
            connections[i] = new TcpConnection();
            Assert.True(table.TryAdd(Key(i), connections[i], core: i % 2, statistics));
        }
        Assert.False(table.TryAdd(Key(7), new TcpConnection(), core: 0, statistics));
        Assert.Equal(201, statistics.LockAcquisitions);

        for (int i = 0; i < connections.Length; i++)
        {
            Assert.True(table.TryGet(Key(i), out TcpConnection? found));
            Assert.Same(connections[i], found);
        }
        Assert.False(table.Contains(Key(500)));
        Assert.Equal(201, statistics.LockAcquisitions);

        // A removal names the connection: another connection's key is left alone.
        table.Remove(Key(3), connections[4], core: 0, statistics);
        Assert.True(table.Contains(Key(3)));
        for (int i = 0; i < connections.Length; i += 2)
        {
            table.Remove(Key(i), connections[i], core: 1, statistics);
        }
        Assert.Equal(201 + 1 + 100, statistics.LockAcquisitions);
        for (int i = 0; i < connections.Length; i++)
        {
            Assert.Equal(i % 2 == 1, table.TryGet(Key(i), out _));
        }
    }

    [Fact]
    public void TheLocksAreStripedOverTheBucketsAsTheKernelsEhashLocks()
    {
        var table = new SharedConnectionTable(cores: 4, buckets: 100_000);
        Assert.Equal(131_072, table.BucketCount);
        Assert.Equal(1024, table.LockCount);
        var small = new SharedConnectionTable(cores: 64, buckets: 1000);
        Assert.Equal(1024, small.BucketCount);
        Assert.Equal(1024, small.LockCount);
    }

    [Fact]
    public void ReadersNeverMissAStableEntryWhileOtherCoresReuseEntriesAroundIt()
    {
        // Few buckets, so chains are long and the writers' recycled entries keep landing in the readers' chains: the case
        // the entries' sequence numbers and bucket marks exist for. Bounded in iterations, not in time.
        var table = new SharedConnectionTable(cores: 2, buckets: 16);
        var statistics = new[] { new EngineStatistics(), new EngineStatistics() };
        const int Stable = 64;
        var stable = new TcpConnection[Stable];
        for (int i = 0; i < Stable; i++)
        {
            stable[i] = new TcpConnection();
            Assert.True(table.TryAdd(Key(i), stable[i], core: 0, statistics[0]));
        }
        long misses = 0;
        long wrong = 0;
        using var writersDone = new CountdownEvent(2);
        var writers = new Thread[2];
        for (int w = 0; w < 2; w++)
        {
            int core = w;
            writers[w] = new Thread(() =>
            {
                var churn = new TcpConnection[32];
                for (int i = 0; i < churn.Length; i++)
                {
                    churn[i] = new TcpConnection();
                }
                for (int round = 0; round < 20_000; round++)
                {
                    int slot = round % churn.Length;
                    FlowKey key = Key(10_000 + core * 1000 + slot);
                    if (!table.TryAdd(key, churn[slot], core, statistics[core]))
                    {
                        table.Remove(key, churn[slot], core, statistics[core]);
                    }
                }
                writersDone.Signal();
            });
            writers[w].Start();
        }
        var reader = new Thread(() =>
        {
            int i = 0;
            while (!writersDone.IsSet || i < 100_000)
            {
                int index = i++ % Stable;
                if (!table.TryGet(Key(index), out TcpConnection? found))
                {
                    Interlocked.Increment(ref misses);
                }
                else if (!ReferenceEquals(found, stable[index]))
                {
                    Interlocked.Increment(ref wrong);
                }
                if (i > 5_000_000)
                {
                    break;
                }
            }
        });
        reader.Start();
        foreach (Thread writer in writers)
        {
            Assert.True(writer.Join(TimeSpan.FromSeconds(60)));
        }
        Assert.True(reader.Join(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, Interlocked.Read(ref misses));
        Assert.Equal(0, Interlocked.Read(ref wrong));
    }
}
