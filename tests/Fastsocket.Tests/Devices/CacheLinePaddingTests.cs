using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Fastsocket.Devices;
using Fastsocket.Tests.Support;

namespace Fastsocket.Tests.Devices;

/// <summary>
/// The fields one engine writes on every packet must not share a cache line with anything another engine touches.
/// They live in explicitly laid-out structs with a line of padding on each side, so wherever the owning object
/// lands in the heap, its neighbours are at least a line away. These tests pin that layout down.
/// </summary>
public sealed class CacheLinePaddingTests
{
    public static TheoryData<Type> PaddedStructs => new()
    {
        typeof(PaddedLong),
        typeof(NicQueueHotFields),
        typeof(WireChannelHotFields),
        typeof(Fastsocket.Stack.EngineActivity),
    };

    [Theory]
    [MemberData(nameof(PaddedStructs))]
    public void Every_field_is_a_cache_line_away_from_both_ends(Type type)
    {
        int size = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
        FieldInfo[] fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.NotEmpty(fields);
        foreach (FieldInfo field in fields)
        {
            int offset = field.GetCustomAttribute<FieldOffsetAttribute>()!.Value;
            int end = offset + Marshal.SizeOf(field.FieldType);
            Assert.True(offset >= CacheLine.Size, $"{type.Name}.{field.Name} starts at {offset}, inside the leading line");
            Assert.True(size - end >= CacheLine.Size, $"{type.Name}.{field.Name} ends at {end} of {size}, inside the trailing line");
        }
    }

    [Theory]
    [InlineData(typeof(NicQueue), typeof(NicQueueHotFields))]
    [InlineData(typeof(WireChannel), typeof(WireChannelHotFields))]
    public void Mutable_counters_live_only_in_the_padded_struct(Type owner, Type hot)
    {
        FieldInfo[] fields = owner.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.Contains(fields, f => f.FieldType == hot);
        // A mutable number declared beside the padded struct would be laid out among the object's other fields,
        // next to whatever object precedes it in the heap.
        FieldInfo[] loose = fields.Where(f => !f.IsInitOnly && f.FieldType.IsPrimitive).ToArray();
        Assert.True(loose.Length == 0, $"{owner.Name} has mutable fields outside {hot.Name}: {string.Join(", ", loose.Select(f => f.Name))}");
    }

    [Fact]
    public void Queue_counters_still_count_through_the_padded_fields()
    {
        var wire = new VirtualWire(2, 2, new Fastsocket.Time.VirtualClock());
        NicQueue sender = wire.A.Queues[1];
        byte[] packet = PacketBuilder.Tcp(Fastsocket.Wire.IpAddress.Parse("198.18.0.1"), 40000, Fastsocket.Wire.IpAddress.Parse("198.18.0.2"), 80).Build();
        sender.Transmit(packet);
        sender.Transmit(packet);
        sender.Flush();

        // Both packets went to one ring, published by one flush: one batch.
        Assert.Equal(1, sender.TransmitBatches);
        sender.Flush();
        Assert.Equal(1, sender.TransmitBatches);
        Assert.Equal(2, sender.TransmittedPackets);
        Assert.Equal(2 * packet.Length, sender.TransmittedBytes);
        int target = wire.B.Classify(packet);
        Assert.Equal(2, wire.B.Queues[target].SteeredRss);
        var receiver = new CollectingReceiver();
        Assert.Equal(2, wire.B.Queues[target].Poll(receiver, 8));
        Assert.Equal(2, wire.B.Queues[target].ReceivedPackets);
    }
}
