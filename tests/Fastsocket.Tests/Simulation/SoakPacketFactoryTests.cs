using Fastsocket.Simulation;
using Fastsocket.Stack;
using Fastsocket.Tests.Support;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Simulation;

/// <summary>
/// The soak's hostile packets do what they claim: spoofed SYNs are well-formed SYNs a listener takes, and malformed
/// packets are dropped by an engine under their DropReasons (never thrown out of the receive path). Virtual time, one engine.
/// </summary>
public sealed class SoakPacketFactoryTests
{
    private static readonly IpAddress Server = IpAddress.FromIPv4(198, 18, 0, 2);
    private const ushort Port = 5001;

    [Fact]
    public void Spoofed_syns_are_valid_syns_that_open_half_open_connections()
    {
        var (engine, device, listener) = NewServer();
        var factory = new SoakPacketFactory(1, Server, Port);
        byte[] packet = new byte[SoakPacketFactory.MaxPacketLength];
        for (int i = 0; i < 100; i++)
        {
            device.Deliver(packet.AsSpan(0, factory.WriteSpoofedSyn(packet)).ToArray());
        }
        engine.Poll(1000);

        Assert.True(engine.Statistics.Drops.Total == 0, string.Join(", ", engine.Statistics.Drops.NonZero()));
        Assert.Equal(100, listener.HalfOpenCount);
        Assert.Equal(100, device.Sent.Count);
        Assert.All(device.Sent, static reply => Assert.Equal(198, reply[16]));
        Assert.All(device.Sent, static reply => Assert.Equal(19, reply[17]));
    }

    [Fact]
    public void Malformed_packets_are_dropped_under_their_reasons()
    {
        var (engine, device, _) = NewServer();
        var factory = new SoakPacketFactory(2, Server, Port);
        byte[] packet = new byte[SoakPacketFactory.MaxPacketLength + 64];
        const int Count = 4000;
        for (int i = 0; i < Count; i++)
        {
            device.Deliver(packet.AsSpan(0, factory.WriteMalformed(packet)).ToArray());
            engine.Poll();
        }

        DropCounters drops = engine.Statistics.Drops;
        foreach (DropReason reason in new[]
        {
            DropReason.Truncated, DropReason.BadIpChecksum, DropReason.BadIpTotalLength, DropReason.BadTcpChecksum,
            DropReason.BadTcpHeaderLength, DropReason.MalformedTcpOption,
        })
        {
            Assert.True(drops[reason] > 0, $"nothing dropped as {reason}");
        }
        // Nearly all are dropped; the rest are random segments that happen to be well-formed (answered or ignored).
        Assert.True(drops.Total > Count * 8 / 10, $"only {drops.Total} of {Count} dropped");
    }

    private static (NetworkEngine Engine, CaptureDevice Device, Listener Listener) NewServer()
    {
        var device = new CaptureDevice();
        var engine = new NetworkEngine(new EngineOptions
        {
            LocalAddress = Server,
            Device = device,
            Clock = new VirtualClock(),
            RandomSeed = 1,
        });
        Listener listener = engine.Listen(Port, 1000);
        return (engine, device, listener);
    }
}
