using System.Runtime.CompilerServices;
using CsCheck;
using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Tcp;

public class TimeWaitTableTests
{
    private const long TwoMsl = 60_000_000;

    private static FlowKey Flow(int i) =>
        new(IpAddress.FromIPv4(10, 0, 0, 1), (ushort)(1024 + i), IpAddress.FromIPv4(10, 0, 0, 2), 80);

    private static TimeWaitRecord Record(int i, long now) =>
        new(Flow(i), new SeqNumber((uint)i * 7), new SeqNumber((uint)i * 11), now + TwoMsl);

    [Fact]
    public void AddGetRemove()
    {
        var table = new TimeWaitTable(4);
        Assert.Equal(4, table.Capacity);
        Assert.True(table.TryAdd(Record(1, 0)));
        Assert.True(table.TryGet(Flow(1), out TimeWaitRecord r));
        Assert.Equal(new SeqNumber(11), r.RcvNxt);
        Assert.True(table.IsInUse(IpAddress.FromIPv4(10, 0, 0, 1), 1025, IpAddress.FromIPv4(10, 0, 0, 2), 80));
        Assert.False(table.TryGet(Flow(2), out _));
        Assert.True(table.Remove(Flow(1)));
        Assert.False(table.Remove(Flow(1)));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Full_RefusesNewTuples_ButReplacesExisting()
    {
        var table = new TimeWaitTable(3);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(table.TryAdd(Record(i, 0)));
        }
        Assert.False(table.TryAdd(Record(3, 0)));
        Assert.Equal(3, table.Count);
        TimeWaitRecord updated = Record(1, 10);
        updated.TsRecent = 99;
        Assert.True(table.TryAdd(updated));
        Assert.Equal(3, table.Count);
        Assert.True(table.TryGet(Flow(1), out TimeWaitRecord r));
        Assert.Equal(99u, r.TsRecent);
        table.Remove(Flow(0));
        Assert.True(table.TryAdd(Record(3, 0)));
        Assert.False(new TimeWaitTable(0).TryAdd(Record(0, 0)));
    }

    [Fact]
    public void Expire_RemovesInFifoOrder_AndRefreshRestartsTheTimer()
    {
        var table = new TimeWaitTable(10);
        for (int i = 0; i < 5; i++)
        {
            table.TryAdd(Record(i, i * 1000));
        }
        Assert.True(table.TryGetNextExpiry(out long first));
        Assert.Equal(TwoMsl, first);
        Assert.True(table.Refresh(Flow(0), 5000 + TwoMsl)); // retransmitted FIN at t = 5000
        Assert.Equal(0, table.Expire(TwoMsl - 1));
        Assert.Equal(2, table.Expire(TwoMsl + 2000)); // flows 1 and 2
        Assert.False(table.TryGet(Flow(1), out _));
        Assert.True(table.TryGet(Flow(0), out _));
        Assert.Equal(2, table.Expire(TwoMsl + 4999)); // flows 3 and 4
        Assert.Equal(1, table.Count);
        Assert.Equal(1, table.Expire(TwoMsl + 5000));
        Assert.Equal(0, table.Count);
        Assert.False(table.TryGetNextExpiry(out _));
        Assert.False(table.Refresh(Flow(0), 0));
    }

    [Fact]
    public void RefReturn_AllowsInPlaceUpdate()
    {
        var table = new TimeWaitTable(2);
        table.TryAdd(Record(1, 0));
        ref TimeWaitRecord r = ref table.GetValueRefOrNullRef(Flow(1));
        Assert.False(Unsafe.IsNullRef(ref r));
        r.TsRecent = 1234;
        Assert.True(table.TryGet(Flow(1), out TimeWaitRecord copy));
        Assert.Equal(1234u, copy.TsRecent);
        Assert.True(Unsafe.IsNullRef(ref table.GetValueRefOrNullRef(Flow(2))));
    }

    [Fact]
    public void AllowsReuse_PerRfc6191_WithLinuxTieBreak()
    {
        var r = new TimeWaitRecord(Flow(1), new SeqNumber(500), new SeqNumber(1000), TwoMsl)
        {
            HasTimestamps = true,
            TsRecent = 100,
        };
        Assert.True(TimeWaitTable.AllowsReuse(r, new SeqNumber(0), true, 101)); // newer TSval, any seq
        // An equal TSval is not an old duplicate (PAWS would accept it): then the sequence number decides, as in Linux.
        Assert.True(TimeWaitTable.AllowsReuse(r, new SeqNumber(5000), true, 100));
        Assert.False(TimeWaitTable.AllowsReuse(r, new SeqNumber(1000), true, 100));
        // An older TSval is refused whatever the sequence number.
        Assert.False(TimeWaitTable.AllowsReuse(r, new SeqNumber(5000), true, 99));
        // SYN without timestamps: fall back to the sequence number.
        Assert.True(TimeWaitTable.AllowsReuse(r, new SeqNumber(1001), false, 0));
        Assert.False(TimeWaitTable.AllowsReuse(r, new SeqNumber(1000), false, 0));
        // Timestamps compare as serial numbers across wrap.
        r.TsRecent = uint.MaxValue - 5;
        Assert.True(TimeWaitTable.AllowsReuse(r, default, true, 3));
        // Old incarnation without timestamps.
        r.HasTimestamps = false;
        Assert.False(TimeWaitTable.AllowsReuse(r, new SeqNumber(999), true, 1_000_000));
        r.RcvNxt = new SeqNumber(uint.MaxValue);
        Assert.True(TimeWaitTable.AllowsReuse(r, new SeqNumber(10), true, 0));
    }

    [Fact]
    public void MatchesDictionaryModel()
    {
        // kind 0 = add, 1 = remove, 2 = refresh, 3 = expire; time only moves forward.
        Gen.Select(Gen.Int[1, 40], Gen.Select(Gen.Int[0, 3], Gen.Int[0, 60], Gen.Int[0, 5_000_000]).Array[1, 300])
            .Sample(t =>
            {
                var (capacity, ops) = t;
                var table = new TimeWaitTable(capacity);
                var model = new Dictionary<FlowKey, long>();
                long now = 0;
                foreach (var (kind, flow, dt) in ops)
                {
                    now += dt;
                    FlowKey key = Flow(flow);
                    switch (kind)
                    {
                        case 0:
                            bool expected = model.ContainsKey(key) || model.Count < capacity;
                            Assert.Equal(expected, table.TryAdd(new TimeWaitRecord(key, default, default, now + TwoMsl)));
                            if (expected)
                            {
                                model[key] = now + TwoMsl;
                            }
                            break;
                        case 1:
                            Assert.Equal(model.Remove(key), table.Remove(key));
                            break;
                        case 2:
                            bool present = model.ContainsKey(key);
                            Assert.Equal(present, table.Refresh(key, now + TwoMsl));
                            if (present)
                            {
                                model[key] = now + TwoMsl;
                            }
                            break;
                        default:
                            int expired = 0;
                            foreach (var pair in model.ToArray())
                            {
                                if (pair.Value <= now)
                                {
                                    model.Remove(pair.Key);
                                    expired++;
                                }
                            }
                            Assert.Equal(expired, table.Expire(now));
                            break;
                    }
                    Assert.Equal(model.Count, table.Count);
                    for (int i = 0; i <= 60; i++)
                    {
                        bool found = table.TryGet(Flow(i), out TimeWaitRecord r);
                        Assert.Equal(model.TryGetValue(Flow(i), out long expiresAt), found);
                        if (found)
                        {
                            Assert.Equal(expiresAt, r.ExpiresAt);
                        }
                    }
                }
            }, iter: 300);
    }

    [Fact]
    public void ManyEntries_WithHashCollisionsInSmallBuckets()
    {
        var table = new TimeWaitTable(5000);
        for (int i = 0; i < 5000; i++)
        {
            Assert.True(table.TryAdd(Record(i, i)));
        }
        for (int i = 0; i < 5000; i += 2)
        {
            Assert.True(table.Remove(Flow(i)));
        }
        for (int i = 0; i < 5000; i++)
        {
            Assert.Equal(i % 2 == 1, table.TryGet(Flow(i), out _));
        }
        Assert.Equal(2500, table.Expire(long.MaxValue));
        Assert.Equal(0, table.Count);
    }
}
