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

    /// <summary>Wraps <paramref name="inner"/>; packets are stamped with <paramref name="clock"/>'s microseconds.</summary>
    /// <param name="inner">The device to record; it keeps its own thread rules.</param>
    /// <param name="writer">The capture file; may be shared with other taps (it locks).</param>
    /// <param name="clock">Clock whose microseconds become the pcap timestamps.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
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

    /// <summary>The wrapped device.</summary>
    public IPacketDevice Inner { get; }

    /// <summary>The wrapped device's MTU.</summary>
    public int Mtu => Inner.Mtu;

    /// <inheritdoc/>
    /// <remarks>Each packet is recorded before it is handed to <paramref name="receiver"/>.</remarks>
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

    /// <summary>Records the packet, then transmits it on the wrapped device (so a packet the device drops is still in the capture).</summary>
    public void Transmit(ReadOnlySpan<byte> packet)
    {
        _writer.Write(packet, _clock.NowMicroseconds);
        Inner.Transmit(packet);
    }

    /// <inheritdoc/>
    public void Flush() => Inner.Flush();
}
