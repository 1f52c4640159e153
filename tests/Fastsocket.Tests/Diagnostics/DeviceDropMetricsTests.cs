using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Time;
using Fastsocket.Wire;
using static Fastsocket.Diagnostics.FastsocketMetrics;

namespace Fastsocket.Tests.Diagnostics;

/// <summary>
/// The meter reports the host's drops at a device that counts them (a TUN device's kernel side) beside the engines'
/// own, by direction, and nothing for a device that does not.
/// </summary>
public sealed class DeviceDropMetricsTests
{
    [Fact]
    public void HostDropsAreReportedByDirectionForDevicesThatCountThem()
    {
        using var reader = new MeterReader();
        string counted = $"devdrops-{Guid.NewGuid():N}"[..24];
        string plain = $"devplain-{Guid.NewGuid():N}"[..24];
        var device = new CountingDevice(new VirtualWire(1, 1, MonotonicClock.Instance).B) { Toward = 41, From = 3 };
        using FastsocketStack withCounts = Start(counted, device);
        using FastsocketStack without = Start(plain, new VirtualWire(1, 1, MonotonicClock.Instance).B);

        IReadOnlyList<RecordedMeasurement> measurements = reader.Collect();
        Assert.Equal(41, MeterReader.Value(measurements, DevicePacketsDropped, counted, DirectionTag, "toward_stack"));
        Assert.Equal(3, MeterReader.Value(measurements, DevicePacketsDropped, counted, DirectionTag, "from_stack"));
        Assert.Null(MeterReader.Find(measurements, DevicePacketsDropped, plain));

        // Unreadable counters (null) are left out rather than reported as zero.
        device.Toward = null;
        measurements = reader.Collect();
        Assert.Null(MeterReader.Find(measurements, DevicePacketsDropped, counted, DirectionTag, "toward_stack"));
        Assert.Equal(3, MeterReader.Value(measurements, DevicePacketsDropped, counted, DirectionTag, "from_stack"));
        Assert.Equal(0, MeterReader.Value(measurements, EngineTurnsAtReadLimit, plain, CoreTag, 0));
    }

    private static FastsocketStack Start(string name, IMultiQueueDevice device)
    {
        var stack = new FastsocketStack(new StackOptions
        {
            Cores = 1,
            LocalAddress = IpAddress.FromIPv4(198, 18, 0, 2),
            Device = device,
            Tcp = new TcpConfig { NoDelay = true },
            PinThreads = false,
            Name = name,
        });
        stack.Start();
        return stack;
    }

    /// <summary>An in-memory NIC whose "host" reports the drop counts the test sets.</summary>
    private sealed class CountingDevice(IMultiQueueDevice inner) : IMultiQueueDevice, IHostDropCounters
    {
        public long? Toward { get; set; }

        public long? From { get; set; }

        public long? DroppedTowardStack => Toward;

        public long? DroppedFromStack => From;

        public int HostQueueLength => 64;

        public int QueueCount => inner.QueueCount;

        public IFlowSteering? Steering => inner.Steering;

        public IPacketDevice GetQueue(int index) => inner.GetQueue(index);

        public void AttachDoorbell(int index, Doorbell doorbell) => inner.AttachDoorbell(index, doorbell);

        public bool HasPackets(int index) => inner.HasPackets(index);
    }
}
