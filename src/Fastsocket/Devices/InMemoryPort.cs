namespace Fastsocket.Devices;

/// <summary>
/// One end of an <see cref="InMemoryLink"/>. Transmit writes to the ring towards the peer; Poll reads the ring
/// from the peer, through the <see cref="Faults"/> injector when that direction has faults. One thread may
/// transmit and another poll (each ring is single-producer single-consumer), as with a real NIC queue pair.
/// </summary>
public sealed class InMemoryPort : IPacketDevice
{
    private readonly PacketRing _transmitRing;
    private readonly PacketRing _receiveRing;
    private readonly FaultInjector? _faults;

    // Transmit-side counters are written only by the transmitting thread, receive-side only by the polling
    // thread; other threads read them through Volatile.Read, which is enough for a diagnostic snapshot.
    private long _transmittedPackets;
    private long _transmittedBytes;
    private long _oversizeDrops;
    private long _queueFullDrops;
    private long _receivedPackets;

    internal InMemoryPort(string name, int mtu, PacketRing transmitRing, PacketRing receiveRing, FaultInjector? faults)
    {
        Name = name;
        Mtu = mtu;
        _transmitRing = transmitRing;
        _receiveRing = receiveRing;
        _faults = faults;
    }

    /// <summary>"A" or "B", for diagnostics.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public int Mtu { get; }

    /// <summary>The injector on this port's receive direction; null when that direction is fault-free.</summary>
    public FaultInjector? Faults => _faults;

    /// <summary>Packets accepted onto the link (not counting drops).</summary>
    public long TransmittedPackets => Volatile.Read(ref _transmittedPackets);

    /// <summary>Bytes of the packets counted in <see cref="TransmittedPackets"/> (IP header included).</summary>
    public long TransmittedBytes => Volatile.Read(ref _transmittedBytes);

    /// <summary>Packets handed to a receiver by <see cref="Poll"/>, duplicates included.</summary>
    public long ReceivedPackets => Volatile.Read(ref _receivedPackets);

    /// <summary>Transmits dropped for exceeding <see cref="Mtu"/>.</summary>
    public long OversizeDrops => Volatile.Read(ref _oversizeDrops);

    /// <summary>Transmits tail-dropped because the ring towards the peer was full.</summary>
    public long QueueFullDrops => Volatile.Read(ref _queueFullDrops);

    /// <inheritdoc/>
    /// <remarks>With faults, delayed or held packets come out on a later poll once due on the link's clock; duplicates count toward <paramref name="maxPackets"/>. Returns 0 for a non-positive <paramref name="maxPackets"/>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="receiver"/> is null.</exception>
    public int Poll(IPacketReceiver receiver, int maxPackets)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (maxPackets <= 0)
        {
            return 0;
        }

        int received = _faults is null ? Drain(receiver, maxPackets) : _faults.Poll(_receiveRing, receiver, maxPackets);
        if (received > 0)
        {
            _receivedPackets += received;
        }

        return received;
    }

    /// <summary>
    /// Copies the packet onto the link. Like a NIC, it never throws for the packet itself: an oversize packet
    /// or a full queue is a counted drop, and the transport above recovers as from any other loss.
    /// </summary>
    public void Transmit(ReadOnlySpan<byte> packet)
    {
        if (packet.Length > Mtu)
        {
            _oversizeDrops++;
            return;
        }

        if (!_transmitRing.TryEnqueue(packet))
        {
            _queueFullDrops++;
            return;
        }

        _transmittedPackets++;
        _transmittedBytes += packet.Length;
    }

    /// <summary>Publishes the transmitted batch to the peer; cheap when nothing is pending.</summary>
    public void Flush() => _transmitRing.Publish();

    /// <summary>
    /// Lets an idle engine block instead of spinning. Returns true at once if anything is waiting, including
    /// packets the fault injector holds back (those are released only by polling, so the engine must keep
    /// polling). May return false early; callers just poll again.
    /// </summary>
    public bool WaitForPackets(int timeoutMilliseconds)
    {
        if (_faults is not null && _faults.HeldPackets > 0)
        {
            return true;
        }

        return _receiveRing.WaitForPackets(timeoutMilliseconds);
    }

    private int Drain(IPacketReceiver receiver, int maxPackets)
    {
        int received = 0;
        while (received < maxPackets && _receiveRing.TryPeek(out Span<byte> packet, out _))
        {
            receiver.Receive(packet);

            // After the receiver is done: the span points into the slot the producer may now reuse.
            _receiveRing.Advance();
            received++;
        }

        return received;
    }
}
