using Fastsocket.Devices;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Devices.Nic;

public sealed class RssIndirectionTableTests
{
    [Fact]
    public void Default_fill_is_round_robin()
    {
        var table = new RssIndirectionTable(3);
        for (int i = 0; i < RssIndirectionTable.Size; i++)
        {
            Assert.Equal(i % 3, table[i]);
        }

        Assert.Equal(2, table.QueueFor(0xFFFF_FF00u | 5)); // only the low 7 bits index
    }

    [Fact]
    public void Entries_can_be_rewritten_within_the_queue_range()
    {
        var table = new RssIndirectionTable(4);
        table[5] = 3;
        Assert.Equal(3, table.QueueFor(5 + 128));
        Assert.Throws<ArgumentOutOfRangeException>(() => table[5] = 4);
        table.FillRoundRobin();
        Assert.Equal(1, table[5]);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Random_flows_spread_evenly_across_queues(int queues)
    {
        var hash = new ToeplitzHash(ToeplitzKey.Standard);
        var table = new RssIndirectionTable(queues);
        var random = new Random(42);
        int[] counts = new int[queues];
        const int flows = 10_000;
        IpAddress server = IpAddress.Parse("10.0.0.1");
        for (int i = 0; i < flows; i++)
        {
            IpAddress client = IpAddress.FromIPv4((uint)random.NextInt64(0, 1L << 32));
            counts[table.QueueFor(hash.Hash(client, server, (ushort)random.Next(1024, 65536), 80))]++;
        }

        double fair = (double)flows / queues;
        foreach (int count in counts)
        {
            // Generous: a fair share is 1/queues; anything within half to one and a half times of it passes.
            Assert.InRange(count, fair * 0.5, fair * 1.5);
        }
    }
}
