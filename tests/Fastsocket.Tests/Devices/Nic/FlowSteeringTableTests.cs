using Fastsocket.Devices;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Devices.Nic;

public sealed class FlowSteeringTableTests
{
    private static readonly IpAddress Local = IpAddress.Parse("10.0.0.1");

    private static FlowKey Flow(int i) =>
        new(Local, 80, IpAddress.FromIPv4((uint)(0x0A010000 + (i >> 8))), (ushort)(1024 + (i & 0xFF)));

    [Fact]
    public void Exact_matches_add_update_and_remove()
    {
        var table = new FlowSteeringTable(4);
        Assert.False(table.TryGetExactMatch(Flow(1), out _));
        Assert.True(table.TryAddExactMatch(Flow(1), 2));
        Assert.True(table.TryGetExactMatch(Flow(1), out int queue));
        Assert.Equal(2, queue);
        Assert.False(table.TryGetExactMatch(Flow(2), out _));

        Assert.True(table.TryAddExactMatch(Flow(1), 3)); // update in place
        Assert.True(table.TryGetExactMatch(Flow(1), out queue));
        Assert.Equal(3, queue);
        Assert.Equal(1, table.ExactMatchCount);

        Assert.True(table.RemoveExactMatch(Flow(1)));
        Assert.False(table.RemoveExactMatch(Flow(1)));
        Assert.False(table.TryGetExactMatch(Flow(1), out _));
        Assert.Equal(0, table.ExactMatchCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.TryAddExactMatch(Flow(1), 4));
    }

    [Fact]
    public void Exact_match_table_fills_to_capacity_and_reuses_freed_slots()
    {
        var table = new FlowSteeringTable(4, exactMatchCapacity: 8192);
        for (int i = 0; i < 8192; i++)
        {
            Assert.True(table.TryAddExactMatch(Flow(i), i & 3));
        }

        Assert.False(table.TryAddExactMatch(Flow(9000), 0));
        for (int i = 0; i < 8192; i++)
        {
            Assert.True(table.TryGetExactMatch(Flow(i), out int queue));
            Assert.Equal(i & 3, queue);
        }

        // Churn: remove and add flows many times over; tombstones must not make live rules unreachable.
        for (int round = 0; round < 4; round++)
        {
            for (int i = 0; i < 8192; i += 2)
            {
                Assert.True(table.RemoveExactMatch(Flow(i + (round * 8192))));
                Assert.True(table.TryAddExactMatch(Flow(i + ((round + 1) * 8192)), 1));
            }

            for (int i = 0; i < 8192; i += 2)
            {
                Assert.False(table.TryGetExactMatch(Flow(i + (round * 8192)), out _));
                Assert.True(table.TryGetExactMatch(Flow(i + ((round + 1) * 8192)), out _));
                Assert.True(table.TryGetExactMatch(Flow(i + 1), out _));
            }
        }

        table.ClearExactMatches();
        Assert.Equal(0, table.ExactMatchCount);
        Assert.False(table.TryGetExactMatch(Flow(1), out _));
    }

    [Fact]
    public void Port_masks_match_in_order_and_are_bounded()
    {
        var table = new FlowSteeringTable(4);
        Assert.True(table.TryAddPortMask(0x0001, 0x0003, 1));
        Assert.True(table.TryAddPortMask(0x0000, 0x0000, 3)); // catch-all, after the first
        Assert.True(table.TryMatchPortMask(5, out int queue));
        Assert.Equal(1, queue);
        Assert.True(table.TryMatchPortMask(6, out queue));
        Assert.Equal(3, queue);

        Assert.True(table.TryAddPortMask(0x0001, 0x0003, 2)); // same rule, new queue
        Assert.Equal(2, table.PortMaskCount);
        Assert.True(table.TryMatchPortMask(5, out queue));
        Assert.Equal(2, queue);

        Assert.True(table.RemovePortMask(0x0000, 0x0000));
        Assert.False(table.TryMatchPortMask(6, out _));

        Assert.Throws<ArgumentException>(() => table.TryAddPortMask(0x0004, 0x0003, 0));
        table.ClearPortMasks();
        for (int i = 0; i < FlowSteeringTable.MaxPortMaskRules; i++)
        {
            Assert.True(table.TryAddPortMask((ushort)i, 0xFFFF, 0));
        }

        Assert.False(table.TryAddPortMask(0xFFFF, 0xFFFF, 0));
    }

    [Fact]
    public void Readers_never_see_a_torn_rule_while_a_writer_churns()
    {
        // Each flow's rule always names queue (flow & 3), while a writer keeps removing rules and reinserting
        // them into freed slots; a reader combining one flow's key with another's queue would see a wrong queue.
        const int flows = 256;
        var table = new FlowSteeringTable(4, exactMatchCapacity: flows);
        long torn = 0;
        var stop = 0;
        for (int i = 0; i < flows; i += 2)
        {
            Assert.True(table.TryAddExactMatch(Flow(i), i & 3));
        }

        var writer = new Thread(() =>
        {
            var random = new Random(3);
            for (int round = 0; round < 20_000; round++)
            {
                int i = random.Next(flows);
                if (!table.RemoveExactMatch(Flow(i)))
                {
                    table.TryAddExactMatch(Flow(i), i & 3);
                }
            }

            Volatile.Write(ref stop, 1);
        });

        var reader = new Thread(() =>
        {
            int i = 0;
            while (Volatile.Read(ref stop) == 0)
            {
                if (table.TryGetExactMatch(Flow(i), out int queue))
                {
                    if (queue != (i & 3))
                    {
                        torn++;
                    }
                }

                i = (i + 1) % flows;
            }
        });

        writer.Start();
        reader.Start();
        Assert.True(writer.Join(TimeSpan.FromMinutes(2)), "writer hung");
        Assert.True(reader.Join(TimeSpan.FromMinutes(2)), "reader hung");
        Assert.Equal(0, torn);
    }
}
