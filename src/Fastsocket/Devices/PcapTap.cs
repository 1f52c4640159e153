using Fastsocket.Time;

namespace Fastsocket.Devices;

/// <summary>
/// A device decorator that records every packet going through it into a pcap file: transmits as the stack
/// sent them, receives as the stack got them (after any fault injection below the tap). Devices compose by
/// wrapping, so capture can be added to any device without that device knowing.
/// </summary>
public sealed class PcapTap : IPacketDevice
{
    private readonly PcapWriter _writer;
    private readonly IClock _clock;
    private readonly PcapTapReceiver _receiver;

    public PcapTap(IPacketDevice inner, PcapWriter writer, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(clock);
        Inner = inner;
        _writer = writer;
        _clock = clock;
        _receiver = new PcapTapReceiver(writer, clock);
    }

    public IPacketDevice Inner { get; }

    public int Mtu => Inner.Mtu;

    public int Poll(IPacketReceiver receiver, int maxPackets)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        _receiver.Target = receiver;
        try
        {
            return Inner.Poll(_receiver, maxPackets);
        }
        finally
        {
            // Do not keep the caller's receiver alive between polls.
            _receiver.Target = null;
        }
    }

    public void Transmit(ReadOnlySpan<byte> packet)
    {
        _writer.Write(packet, _clock.NowMicroseconds);
        Inner.Transmit(packet);
    }

    public void Flush() => Inner.Flush();
}
