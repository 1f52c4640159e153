using Fastsocket.Time;

namespace Fastsocket.Devices;

/// <summary>
/// One queue pair of a <see cref="MultiQueueNic"/>, owned by one engine thread. Transmit classifies each packet for
/// the peer NIC (steering rules, then RSS) and copies it into the ring towards the chosen peer receive queue; Poll
/// drains the rings from every peer transmit queue. Each ring has exactly one producer (a peer transmit queue's
/// engine) and one consumer (this queue's engine), so neither path takes a lock or allocates.
/// </summary>
public sealed class NicQueue : IPacketDevice
{
    private readonly IClock _clock;
    private readonly PcapWriter? _capture;
    private readonly PcapTapReceiver? _captureReceiver;

    // Transmit side, touched only by this queue's engine. Set once when the wire is built, before any traffic.
    private WireChannel[] _outgoing = [];
    private NicQueue[] _peerQueues = [];

    // Receive side, touched only by this queue's engine (counters are read by anyone via Volatile.Read).
    private WireChannel[] _incoming = [];
    private PacketRing[] _incomingRings = [];
    private FaultInjector?[] _incomingFaults = [];

    private Doorbell? _doorbell;

    // Counters and the poll cursor, written by this queue's engine on every packet, padded off the lines that
    // neighbouring queues (other cores) read. Read by anyone via Volatile.Read.
    private NicQueueHotFields _hot;

    internal NicQueue(MultiQueueNic nic, int index, IClock clock, PcapWriter? capture)
    {
        Nic = nic;
        Index = index;
        _clock = clock;
        _capture = capture;
        _captureReceiver = capture is null ? null : new PcapTapReceiver(capture, clock);
    }

    /// <summary>The NIC this queue pair belongs to.</summary>
    public MultiQueueNic Nic { get; }

    /// <summary>The queue's index in <see cref="MultiQueueNic.Queues"/>, equal to its engine's core id.</summary>
    public int Index { get; }

    /// <summary>The NIC's MTU in bytes.</summary>
    public int Mtu => Nic.Mtu;

    /// <summary>Packets this queue put on the wire (not counting drops).</summary>
    public long TransmittedPackets => Volatile.Read(ref _hot.TransmittedPackets);

    /// <summary>Bytes of the packets counted in <see cref="TransmittedPackets"/> (IP header included).</summary>
    public long TransmittedBytes => Volatile.Read(ref _hot.TransmittedBytes);

    /// <summary>
    /// Batches this queue published: one per ring it wrote to between two flushes. Packets over batches is how many
    /// packets each cross-core hand-over (a fence, and the ring's tail line moving to the consumer) carried.
    /// </summary>
    public long TransmitBatches => Volatile.Read(ref _hot.TransmitBatches);

    /// <summary>Transmits dropped for exceeding <see cref="Mtu"/>.</summary>
    public long OversizeDrops => Volatile.Read(ref _hot.OversizeDrops);

    /// <summary>Transmits from this queue tail-dropped because the ring to the chosen peer queue was full.</summary>
    public long TransmitQueueFullDrops => Volatile.Read(ref _hot.TransmitQueueFullDrops);

    /// <summary>Transmits dropped because the NIC is not connected to a wire.</summary>
    public long NoCarrierDrops => Volatile.Read(ref _hot.NoCarrierDrops);

    /// <summary>Packets handed to a receiver by <see cref="Poll"/>, duplicates included.</summary>
    public long ReceivedPackets => Volatile.Read(ref _hot.ReceivedPackets);

    /// <summary>Packets the peer steered to this receive queue by an exact-match rule (drops included).</summary>
    public long SteeredExact => SumIncoming(static c => Volatile.Read(ref c.Hot.SteeredExact));

    /// <summary>Packets the peer steered to this receive queue by a port-mask rule (drops included).</summary>
    public long SteeredPortMask => SumIncoming(static c => Volatile.Read(ref c.Hot.SteeredPortMask));

    /// <summary>Packets the peer sent to this receive queue by RSS (drops included).</summary>
    public long SteeredRss => SumIncoming(static c => Volatile.Read(ref c.Hot.SteeredRss));

    /// <summary>Packets sent here as the default queue because they had no ports to classify on.</summary>
    public long Unclassified => SumIncoming(static c => Volatile.Read(ref c.Hot.Unclassified));

    /// <summary>Packets bound for this receive queue dropped because its ring was full (a NIC's rx_missed).</summary>
    public long ReceiveQueueFullDrops => SumIncoming(static c => Volatile.Read(ref c.Hot.QueueFullDrops));

    /// <summary>Whether packets wait here, including ones the fault injector holds back. Safe from any thread.</summary>
    public bool HasPackets
    {
        get
        {
            PacketRing[] rings = _incomingRings;
            FaultInjector?[] faults = _incomingFaults;
            for (int i = 0; i < rings.Length; i++)
            {
                if (rings[i].HasPackets || (faults[i] is { HeldPackets: > 0 }))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The fault injector on packets from peer transmit queue <paramref name="peerQueue"/>, if any.</summary>
    public FaultInjector? IncomingFaults(int peerQueue) => _incomingFaults[peerQueue];

    /// <summary>
    /// Drains the rings from the peer's transmit queues round-robin: each ring in turn gets an even share of what is
    /// left of the budget, the starting ring rotates every call, and passes repeat while they make progress, so one
    /// busy sender can neither starve the others nor leave budget unused.
    /// </summary>
    public int Poll(IPacketReceiver receiver, int maxPackets)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        int rings = _incomingRings.Length;
        if (maxPackets <= 0 || rings == 0)
        {
            return 0;
        }

        IPacketReceiver target = receiver;
        PcapTapReceiver? tap = _captureReceiver;
        if (tap is not null)
        {
            tap.Target = receiver;
            target = tap;
        }

        int delivered = 0;
        int start = _hot.NextRing;
        try
        {
            int before;
            do
            {
                before = delivered;
                for (int k = 0; k < rings && delivered < maxPackets; k++)
                {
                    int r = start + k;
                    if (r >= rings)
                    {
                        r -= rings;
                    }

                    int left = rings - k;
                    int share = (maxPackets - delivered + left - 1) / left;
                    FaultInjector? faults = _incomingFaults[r];
                    delivered += faults is null
                        ? Drain(_incomingRings[r], target, share)
                        : faults.Poll(_incomingRings[r], target, share);
                }
            }
            while (delivered > before && delivered < maxPackets);
        }
        finally
        {
            if (tap is not null)
            {
                // Do not keep the caller's receiver alive between polls.
                tap.Target = null;
            }
        }

        _hot.NextRing = start + 1 == rings ? 0 : start + 1;
        if (delivered > 0)
        {
            _hot.ReceivedPackets += delivered;
        }

        return delivered;
    }

    /// <summary>
    /// Classifies the packet for the peer and copies it into the ring towards the chosen receive queue. Never throws
    /// for the packet itself: oversize, unroutable or ring-full packets are counted drops, as on a NIC.
    /// </summary>
    public void Transmit(ReadOnlySpan<byte> packet)
    {
        if (packet.Length > Mtu)
        {
            _hot.OversizeDrops++;
            return;
        }

        _capture?.Write(packet, _clock.NowMicroseconds);

        MultiQueueNic? peer = Nic.Peer;
        if (peer is null)
        {
            _hot.NoCarrierDrops++;
            return;
        }

        int target = peer.Classify(packet, out SteeringDecision decision);
        WireChannel channel = _outgoing[target];
        channel.Count(decision);
        if (!channel.Ring.TryEnqueue(packet))
        {
            channel.Hot.QueueFullDrops++;
            _hot.TransmitQueueFullDrops++;
            return;
        }

        channel.Hot.Pending++;
        _hot.TransmittedPackets++;
        _hot.TransmittedBytes += packet.Length;
    }

    /// <summary>Publishes every ring this queue wrote to since the last flush and rings those queues' doorbells.</summary>
    public void Flush()
    {
        WireChannel[] outgoing = _outgoing;
        for (int j = 0; j < outgoing.Length; j++)
        {
            WireChannel channel = outgoing[j];
            if (channel.Hot.Pending == 0)
            {
                continue;
            }

            channel.Hot.Pending = 0;
            _hot.TransmitBatches++;
            // Publish ends with a full fence after the new tail, which is the fence the doorbell needs too.
            channel.Ring.Publish();
            _peerQueues[j].RingDoorbellAfterFence();
        }
    }

    internal void AttachDoorbell(Doorbell doorbell) => Volatile.Write(ref _doorbell, doorbell);

    /// <summary>Called by a peer's transmitting engine right after publishing (and so fencing) a ring this queue reads.</summary>
    private void RingDoorbellAfterFence() => Volatile.Read(ref _doorbell)?.RingAfterFence();

    internal void ConnectTransmit(WireChannel[] outgoing, NicQueue[] peerQueues)
    {
        _outgoing = outgoing;
        _peerQueues = peerQueues;
    }

    internal void ConnectReceive(WireChannel[] incoming)
    {
        var rings = new PacketRing[incoming.Length];
        var faults = new FaultInjector?[incoming.Length];
        for (int i = 0; i < incoming.Length; i++)
        {
            rings[i] = incoming[i].Ring;
            faults[i] = incoming[i].Faults;
        }

        _incoming = incoming;
        _incomingRings = rings;
        _incomingFaults = faults;
    }

    private static int Drain(PacketRing ring, IPacketReceiver receiver, int maxPackets)
    {
        int received = 0;
        while (received < maxPackets && ring.TryPeek(out Span<byte> packet, out _))
        {
            receiver.Receive(packet);

            // Only after the receiver is done: the span points into the slot the producer may now reuse.
            ring.Advance();
            received++;
        }

        return received;
    }

    private long SumIncoming(Func<WireChannel, long> read)
    {
        long sum = 0;
        foreach (WireChannel channel in _incoming)
        {
            sum += read(channel);
        }

        return sum;
    }
}
