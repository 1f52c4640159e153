using System.Numerics;
using Fastsocket.Devices;
using Fastsocket.Time;

namespace Fastsocket.Tests.Devices;

public sealed class FaultInjectorTests
{
    private static (List<byte[]> Received, FaultInjector Faults) RunThrough(FaultProfile profile, int count, int length = 64)
    {
        var clock = new VirtualClock();
        var link = new InMemoryLink(1500, clock, profile);
        var receiver = new CollectingReceiver();
        for (int i = 0; i < count; i++)
        {
            link.A.Transmit(Packets.Numbered(i, length));
            if (i % 256 == 255)
            {
                link.A.Flush();
                clock.Advance(10);
                while (link.B.Poll(receiver, 64) > 0)
                {
                }
            }
        }

        link.A.Flush();

        // Let every hold deadline and delay pass so nothing stays behind.
        clock.Advance(1_000_000);
        while (link.B.Poll(receiver, 64) > 0)
        {
        }

        Assert.Equal(0, link.B.Faults!.HeldPackets);
        Assert.Equal(receiver.Packets.Count, link.B.ReceivedPackets);
        return (receiver.Packets, link.B.Faults);
    }

    [Fact]
    public void None_profile_creates_no_injector_but_any_fault_does()
    {
        Assert.True(FaultProfile.None.IsNone);
        Assert.True(new FaultProfile { Seed = 9 }.IsNone);
        var link = new InMemoryLink(1500, new VirtualClock(), new FaultProfile { Loss = 0.5 }, new FaultProfile { DelayMicroseconds = 1 });
        Assert.NotNull(link.B.Faults);
        Assert.NotNull(link.A.Faults);
        Assert.Equal(0.5, link.B.Faults!.Profile.Loss);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    public void Probabilities_outside_unit_interval_are_rejected(double p)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultProfile { Loss = p });
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultProfile { Corrupt = p });
    }

    [Fact]
    public void Same_seed_gives_identical_outcome_and_another_seed_differs()
    {
        var profile = new FaultProfile { Loss = 0.05, Duplicate = 0.05, Reorder = 0.05, Corrupt = 0.05, Seed = 42 };
        var (first, _) = RunThrough(profile, 5000);
        var (second, _) = RunThrough(profile, 5000);
        var (other, _) = RunThrough(profile with { Seed = 43 }, 5000);

        Assert.Equal(first.Count, second.Count);
        for (int i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i], second[i]);
        }

        Assert.False(first.Count == other.Count && first.Zip(other).All(p => p.First.AsSpan().SequenceEqual(p.Second)));
    }

    [Fact]
    public void Observed_rates_match_configured_probabilities()
    {
        const int count = 100_000;
        var profile = new FaultProfile { Loss = 0.10, Duplicate = 0.05, Reorder = 0.08, Corrupt = 0.02, Seed = 7 };
        var (received, faults) = RunThrough(profile, count);

        // Binomial standard deviations here are at most ~100 packets; ±1% of the count is over 10 sigma.
        const double tolerance = count * 0.01;
        long survivors = count - faults.Lost;
        Assert.InRange(faults.Lost, count * 0.10 - tolerance, count * 0.10 + tolerance);
        Assert.InRange(faults.Duplicated, survivors * 0.05 - tolerance, survivors * 0.05 + tolerance);
        Assert.InRange(faults.Reordered, survivors * 0.08 - tolerance, survivors * 0.08 + tolerance);
        Assert.InRange(faults.Corrupted, survivors * 0.02 - tolerance, survivors * 0.02 + tolerance);
        Assert.Equal(0, faults.HoldPoolFull);

        // Conservation: every surviving packet arrives once, plus one extra per duplicate.
        Assert.Equal(survivors + faults.Duplicated, faults.Delivered);
        Assert.Equal(faults.Delivered, received.Count);

        // Reordering is observable in the arrival sequence.
        int inversions = 0;
        for (int i = 1; i < received.Count; i++)
        {
            if (Packets.SequenceOf(received[i]) < Packets.SequenceOf(received[i - 1]))
            {
                inversions++;
            }
        }

        Assert.True(inversions > 0);
    }

    [Fact]
    public void Loss_of_one_drops_everything_and_loss_of_zero_nothing()
    {
        var (all, allFaults) = RunThrough(new FaultProfile { Loss = 1 }, 1000);
        Assert.Empty(all);
        Assert.Equal(1000, allFaults.Lost);

        var (none, noneFaults) = RunThrough(new FaultProfile { Loss = 0, Corrupt = 0.0001, Seed = 1 }, 1000);
        Assert.Equal(1000, none.Count);
        Assert.Equal(0, noneFaults.Lost);
    }

    [Fact]
    public void Corruption_flips_exactly_one_bit()
    {
        var (received, faults) = RunThrough(new FaultProfile { Corrupt = 1, Seed = 5 }, 2000, length: 200);
        Assert.Equal(2000, faults.Corrupted);
        Assert.Equal(2000, received.Count);

        var bitsHit = new HashSet<int>();
        for (int i = 0; i < received.Count; i++)
        {
            byte[] expected = Packets.Numbered(i, 200);
            int flipped = 0;
            for (int b = 0; b < expected.Length; b++)
            {
                int diff = expected[b] ^ received[i][b];
                flipped += BitOperations.PopCount((uint)diff);
                if (diff != 0)
                {
                    bitsHit.Add(b * 8 + BitOperations.TrailingZeroCount(diff));
                }
            }

            Assert.Equal(1, flipped);
        }

        // Errors land anywhere in the packet, headers included, not only in a fixed spot.
        Assert.True(bitsHit.Count > 500);
    }

    [Fact]
    public void Reordered_packet_alone_is_released_at_the_hold_deadline()
    {
        var clock = new VirtualClock();
        var link = new InMemoryLink(1500, clock, new FaultProfile { Reorder = 1, Seed = 1 });
        var receiver = new CollectingReceiver();

        link.A.Transmit(Packets.Numbered(1));
        link.A.Flush();
        Assert.Equal(0, link.B.Poll(receiver, 10));
        Assert.Equal(1, link.B.Faults!.Reordered);
        Assert.Equal(1, link.B.Faults.HeldPackets);
        Assert.True(link.B.WaitForPackets(0)); // held packets keep an idle engine polling

        clock.Advance(999);
        Assert.Equal(0, link.B.Poll(receiver, 10));

        clock.Advance(1);
        Assert.Equal(1, link.B.Poll(receiver, 10));
        Assert.Equal(Packets.Numbered(1), receiver.Packets[0]);
        Assert.Equal(0, link.B.Faults.HeldPackets);
    }

    [Fact]
    public void Reordered_packet_is_overtaken_by_at_most_three_later_packets()
    {
        var clock = new VirtualClock();
        var link = new InMemoryLink(1500, clock, new FaultProfile { Reorder = 0.2, Seed = 11, ReorderHoldMicroseconds = 1_000_000 });
        var receiver = new CollectingReceiver();
        const int count = 20_000;
        for (int i = 0; i < count; i++)
        {
            link.A.Transmit(Packets.Numbered(i));
            link.A.Flush();
            link.B.Poll(receiver, 64);
        }

        clock.Advance(1_000_000);
        link.B.Poll(receiver, 64);

        var arrival = new int[count];
        for (int position = 0; position < receiver.Packets.Count; position++)
        {
            arrival[Packets.SequenceOf(receiver.Packets[position])] = position;
        }

        Assert.Equal(count, receiver.Packets.Count);
        Assert.Equal(count, receiver.Packets.Select(Packets.SequenceOf).Distinct().Count());

        // A held packet waits for 1..3 in-sequence deliveries, so it can trail its slot by at most 3 positions
        // unless other held packets are released just before it; bound generously rather than exactly.
        int maxLag = Enumerable.Range(0, count).Max(i => arrival[i] - i);
        Assert.InRange(maxLag, 1, 10);
    }

    [Fact]
    public void Duplicate_of_one_delivers_every_packet_twice_in_order()
    {
        var (received, faults) = RunThrough(new FaultProfile { Duplicate = 1, Seed = 3 }, 1000);
        Assert.Equal(1000, faults.Duplicated);
        Assert.Equal(2000, received.Count);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(Packets.Numbered(i), received[2 * i]);
            Assert.Equal(Packets.Numbered(i), received[2 * i + 1]);
        }
    }

    [Fact]
    public void Duplicates_respect_max_packets()
    {
        var link = new InMemoryLink(1500, new VirtualClock(), new FaultProfile { Duplicate = 1 });
        link.A.Transmit(Packets.Numbered(1));
        link.A.Transmit(Packets.Numbered(2));
        link.A.Flush();
        var receiver = new CollectingReceiver();
        Assert.Equal(1, link.B.Poll(receiver, 1));
        Assert.Equal(1, link.B.Poll(receiver, 1));
        Assert.Equal(2, link.B.Poll(receiver, 5));
        Assert.Equal(new long[] { 1, 1, 2, 2 }, receiver.Packets.Select(Packets.SequenceOf));
    }

    [Fact]
    public void Delay_holds_packets_until_their_transmit_time_plus_delay()
    {
        var clock = new VirtualClock(startMicroseconds: 0);
        var link = new InMemoryLink(1500, clock, new FaultProfile { DelayMicroseconds = 500 });
        var receiver = new CollectingReceiver();

        link.A.Transmit(Packets.Numbered(1));
        link.A.Flush();
        clock.Advance(100);
        link.A.Transmit(Packets.Numbered(2));
        link.A.Flush();

        clock.AdvanceTo(499);
        Assert.Equal(0, link.B.Poll(receiver, 10));
        clock.AdvanceTo(500);
        Assert.Equal(1, link.B.Poll(receiver, 10));
        clock.AdvanceTo(599);
        Assert.Equal(0, link.B.Poll(receiver, 10));
        clock.AdvanceTo(600);
        Assert.Equal(1, link.B.Poll(receiver, 10));

        Assert.Equal(new long[] { 1, 2 }, receiver.Packets.Select(Packets.SequenceOf));
        Assert.Equal(2, link.B.Faults!.Delayed);

        // The reverse direction has no delay.
        link.B.Transmit(Packets.Numbered(3));
        link.B.Flush();
        Assert.Equal(1, link.A.Poll(receiver, 10));
    }
}
