using Fastsocket.Time;

namespace Fastsocket.Devices;

/// <summary>
/// The receiver a <see cref="PcapTap"/> hands to its inner device: records each packet, then passes it on.
/// One instance per tap, retargeted on every Poll, so polling through a tap allocates nothing.
/// </summary>
internal sealed class PcapTapReceiver : IPacketReceiver
{
    private readonly PcapWriter _writer;
    private readonly IClock _clock;

    public PcapTapReceiver(PcapWriter writer, IClock clock)
    {
        _writer = writer;
        _clock = clock;
    }

    public IPacketReceiver? Target { get; set; }

    public void Receive(ReadOnlySpan<byte> packet)
    {
        _writer.Write(packet, _clock.NowMicroseconds);
        Target!.Receive(packet);
    }
}
