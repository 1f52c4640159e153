using Fastsocket.Devices;
using Fastsocket.Stack;
using Fastsocket.Tcp;
using Fastsocket.Tests.Support;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Packetdrill;

public sealed class InjectedPacketDeviceTests
{
    private sealed class Collector : IPacketReceiver
    {
        public List<byte[]> Packets { get; } = [];

        public void Receive(ReadOnlySpan<byte> packet) => Packets.Add(packet.ToArray());
    }

    [Fact]
    public void Outbound_packets_carry_the_clock_time_they_left_at()
    {
        var clock = new VirtualClock(5_000_000);
        var device = new InjectedPacketDevice(clock);
        device.Transmit([1, 2, 3]);
        clock.Advance(250);
        device.Transmit([4, 5]);

        var buffer = new byte[16];
        Assert.True(device.TryTake(buffer, out int length, out long time));
        Assert.Equal(3, length);
        Assert.Equal(5_000_000, time);
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
        Assert.True(device.TryTake(buffer, out length, out time));
        Assert.Equal(2, length);
        Assert.Equal(5_000_250, time);
        Assert.False(device.TryTake(buffer, out _, out _));
    }

    [Fact]
    public void Injected_packets_reach_the_poller_in_order_and_bounded_queues_count_drops()
    {
        var device = new InjectedPacketDevice(new VirtualClock(), capacity: 2);
        Assert.True(device.Inject([1]));
        Assert.True(device.Inject(new byte[3000]));   // larger than the MTU: taken, as a TUN device takes it
        Assert.False(device.Inject([3]));
        Assert.False(device.Inject(ReadOnlySpan<byte>.Empty));
        Assert.Equal(2, device.InboundDropped);

        var collector = new Collector();
        Assert.Equal(1, device.Poll(collector, 1));
        Assert.Equal(1, device.Poll(collector, 64));
        Assert.Equal([1], collector.Packets[0]);
        Assert.Equal(3000, collector.Packets[1].Length);
    }

    [Fact]
    public void An_engine_on_the_device_answers_an_injected_syn_with_a_syn_ack()
    {
        var clock = new VirtualClock();
        var device = new InjectedPacketDevice(clock);
        IpAddress local = IpAddress.FromIPv4(192, 168, 0, 1);
        IpAddress remote = IpAddress.FromIPv4(192, 0, 2, 1);
        var engine = new NetworkEngine(new EngineOptions { LocalAddress = local, Device = device, Clock = clock, Tcp = TcpProfile.Linux.CreateConfig() });
        engine.Listen(8080, 16);

        byte[] syn = PacketBuilder.Tcp(remote, 40000, local, 8080).Flags(TcpFlags.Syn).Seq(1000).Mss(1460).Build();
        Assert.True(device.Inject(syn));
        clock.Advance(10);
        engine.Poll();

        var buffer = new byte[2048];
        Assert.True(device.TryTake(buffer, out int length, out long time));
        Assert.Equal(clock.NowMicroseconds, time);
        Assert.True(IPv4Packet.TryParse(buffer.AsSpan(0, length), out IPv4Packet ip, out _));
        Assert.True(TcpHeader.TryParse(ip.Payload, ip.Source, ip.Destination, verifyChecksum: true, out TcpHeader tcp, out _));
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, tcp.Flags);
        Assert.Equal(1001u, tcp.AcknowledgmentNumber);
    }
}
