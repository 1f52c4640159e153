namespace Fastsocket.Devices;

/// <summary>
/// One queue of a packet device as an engine sees it: raw IP packets in and out, no link-layer header.
/// A queue is owned by one engine thread; only that thread calls <see cref="Poll"/> and <see cref="Transmit"/>.
/// </summary>
public interface IPacketDevice
{
    /// <summary>Largest IP packet the device carries.</summary>
    int Mtu { get; }

    /// <summary>Hands up to <paramref name="maxPackets"/> received packets to <paramref name="receiver"/>; returns how many.</summary>
    int Poll(IPacketReceiver receiver, int maxPackets);

    /// <summary>Queues one IP packet for sending. The device copies it before returning, so the caller may reuse its buffer.</summary>
    void Transmit(ReadOnlySpan<byte> packet);

    /// <summary>Ends a batch of transmits: the device may now make them visible to the peer.</summary>
    void Flush();
}
