using System.Buffers.Binary;
using System.Collections.ObjectModel;
using Fastsocket.Time;
using Fastsocket.Wire;

namespace Fastsocket.Devices;

/// <summary>
/// A simulated multi-queue NIC on a <see cref="VirtualWire"/>: one queue pair per engine, RSS with a Toeplitz hash
/// and an indirection table, and Flow Director-style steering rules. A real NIC classifies on receive; here the
/// peer's transmitting engine classifies each packet for this NIC (using this NIC's rules and tables) and writes
/// it straight into a ring that only the chosen receive queue reads, which keeps every ring single-producer
/// single-consumer and the whole path free of locks. Classification order: exact-match rule, then port-mask rule,
/// then RSS over the 4-tuple; packets without usable ports go to queue 0.
/// </summary>
public sealed class MultiQueueNic : IMultiQueueDevice
{
    private const int IPv6HeaderLength = 40;

    private readonly NicQueue[] _queues;
    private readonly FlowSteeringTable _steering;

    internal MultiQueueNic(string name, int mtu, int queueCount, IClock clock, ToeplitzKey rssKey, PcapWriter? capture,
        int exactMatchCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCount, 1);
        Name = name;
        Mtu = mtu;
        Capture = capture;
        RssHash = new ToeplitzHash(rssKey);
        Indirection = new RssIndirectionTable(queueCount);
        _steering = new FlowSteeringTable(queueCount, exactMatchCapacity);
        _queues = new NicQueue[queueCount];
        for (int i = 0; i < queueCount; i++)
        {
            _queues[i] = new NicQueue(this, i, clock, capture);
        }

        Queues = new ReadOnlyCollection<NicQueue>(_queues);
    }

    /// <summary>"A" or "B": which end of the <see cref="VirtualWire"/> this NIC is.</summary>
    public string Name { get; }

    /// <summary>Largest IP packet in bytes, shared by every queue; larger transmits are counted drops.</summary>
    public int Mtu { get; }

    /// <inheritdoc/>
    public int QueueCount => _queues.Length;

    /// <summary>The queue pairs in index order, for their counters; queue i belongs to engine i.</summary>
    public IReadOnlyList<NicQueue> Queues { get; }

    /// <summary>The NIC's Flow Director-style rules, never null here; rules apply to packets this NIC receives.</summary>
    public IFlowSteering? Steering => _steering;

    /// <summary>The same rules as <see cref="Steering"/>, with the lookup side exposed.</summary>
    public FlowSteeringTable SteeringTable => _steering;

    /// <summary>The RSS indirection table, initially round-robin over the queues; entries may be rewritten from any thread.</summary>
    public RssIndirectionTable Indirection { get; }

    /// <summary>The Toeplitz hash keyed with this NIC's RSS key (<see cref="VirtualWireOptions.RssKeyA"/> or <see cref="VirtualWireOptions.RssKeyB"/>).</summary>
    public ToeplitzHash RssHash { get; }

    /// <summary>Records every packet this NIC transmits or receives, when set.</summary>
    public PcapWriter? Capture { get; }

    /// <summary>The NIC at the other end of the wire.</summary>
    public MultiQueueNic? Peer { get; private set; }

    /// <summary>Sum of <see cref="NicQueue.TransmittedPackets"/> over the queues; a snapshot, safe from any thread.</summary>
    public long TransmittedPackets => _queues.Sum(static q => q.TransmittedPackets);

    /// <summary>Sum of the queues' received packets; a snapshot, safe from any thread.</summary>
    public long ReceivedPackets => _queues.Sum(static q => q.ReceivedPackets);

    /// <summary>Ring batches all queues published (see <see cref="NicQueue.TransmitBatches"/>).</summary>
    public long TransmitBatches => _queues.Sum(static q => q.TransmitBatches);

    /// <inheritdoc/>
    public IPacketDevice GetQueue(int index) => _queues[index];

    /// <inheritdoc/>
    /// <exception cref="ArgumentNullException"><paramref name="doorbell"/> is null.</exception>
    public void AttachDoorbell(int index, Doorbell doorbell)
    {
        ArgumentNullException.ThrowIfNull(doorbell);
        _queues[index].AttachDoorbell(doorbell);
    }

    /// <inheritdoc/>
    public bool HasPackets(int index) => _queues[index].HasPackets;

    /// <summary>The receive queue this NIC steers an incoming packet to.</summary>
    public int Classify(ReadOnlySpan<byte> packet) => Classify(packet, out _);

    /// <summary>
    /// The receive queue this NIC steers an incoming packet to, and which stage decided. Reads only the version,
    /// addresses, protocol and ports, each after checking it lies inside both the buffer and the IP datagram; never
    /// throws and never allocates. Safe from any thread, also while rules change.
    /// </summary>
    public int Classify(ReadOnlySpan<byte> packet, out SteeringDecision decision)
    {
        if (!TryReadFlow(packet, out IpAddress source, out IpAddress destination, out ushort sourcePort,
            out ushort destinationPort))
        {
            decision = SteeringDecision.Unclassified;
            return 0;
        }

        int queue;
        if (_steering.ExactMatchCount > 0 &&
            _steering.TryGetExactMatch(new FlowKey(destination, destinationPort, source, sourcePort), out queue))
        {
            decision = SteeringDecision.ExactMatch;
            return queue;
        }

        if (_steering.TryMatchPortMask(destinationPort, out queue))
        {
            decision = SteeringDecision.PortMask;
            return queue;
        }

        decision = SteeringDecision.Rss;
        return Indirection.QueueFor(RssHash.Hash(source, destination, sourcePort, destinationPort));
    }

    /// <summary>
    /// Builds the rings from every transmit queue of <paramref name="from"/> to every receive queue of
    /// <paramref name="to"/>. Called once per direction by <see cref="VirtualWire"/>, before any traffic.
    /// </summary>
    internal static void Connect(MultiQueueNic from, MultiQueueNic to, FaultProfile faults, int ringCapacity, IClock clock)
    {
        int senders = from.QueueCount;
        int receivers = to.QueueCount;
        var channels = new WireChannel[senders, receivers];
        for (int i = 0; i < senders; i++)
        {
            for (int j = 0; j < receivers; j++)
            {
                // Only a delayed direction needs transmit timestamps; skipping them keeps clock reads off the path.
                var ring = new PacketRing(ringCapacity, from.Mtu, faults.DelayMicroseconds > 0 ? clock : null);

                // One injector per ring, each seeded from the profile and the ring's place, so a run with the same
                // seed and the same per-queue traffic sees the same faults however the engines interleave.
                FaultInjector? injector = faults.IsNone
                    ? null
                    : new FaultInjector(faults with { Seed = unchecked(faults.Seed + (i * receivers) + j) }, from.Mtu, clock);
                channels[i, j] = new WireChannel(ring, injector);
            }
        }

        for (int i = 0; i < senders; i++)
        {
            var outgoing = new WireChannel[receivers];
            for (int j = 0; j < receivers; j++)
            {
                outgoing[j] = channels[i, j];
            }

            from._queues[i].ConnectTransmit(outgoing, to._queues);
        }

        for (int j = 0; j < receivers; j++)
        {
            var incoming = new WireChannel[senders];
            for (int i = 0; i < senders; i++)
            {
                incoming[i] = channels[i, j];
            }

            to._queues[j].ConnectReceive(incoming);
        }

        from.Peer = to;
    }

    /// <summary>
    /// Extracts the 4-tuple of a TCP or UDP packet. False for anything else: other protocols, IPv4 fragments (only
    /// the first carries ports, and a datagram's fragments must meet on one queue to be reassembled), IPv6 with
    /// extension headers, and packets whose headers are cut short or whose length fields lie.
    /// </summary>
    private static bool TryReadFlow(ReadOnlySpan<byte> packet, out IpAddress source, out IpAddress destination,
        out ushort sourcePort, out ushort destinationPort)
    {
        source = default;
        destination = default;
        sourcePort = 0;
        destinationPort = 0;
        if (packet.IsEmpty)
        {
            return false;
        }

        int version = packet[0] >> 4;
        int transport;
        if (version == 4)
        {
            if (packet.Length < IPv4Packet.MinHeaderLength)
            {
                return false;
            }

            int headerLength = (packet[0] & 0x0F) * 4;
            int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
            if (headerLength < IPv4Packet.MinHeaderLength || totalLength > packet.Length ||
                totalLength < headerLength + 4)
            {
                return false;
            }

            if ((BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0 || !IsTcpOrUdp(packet[9]))
            {
                return false;
            }

            source = IpAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(packet[12..]));
            destination = IpAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(packet[16..]));
            transport = headerLength;
        }
        else if (version == 6)
        {
            if (packet.Length < IPv6HeaderLength + 4)
            {
                return false;
            }

            int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
            if (payloadLength < 4 || IPv6HeaderLength + payloadLength > packet.Length || !IsTcpOrUdp(packet[6]))
            {
                return false;
            }

            source = IpAddress.FromIPv6Bytes(packet.Slice(8, 16));
            destination = IpAddress.FromIPv6Bytes(packet.Slice(24, 16));
            transport = IPv6HeaderLength;
        }
        else
        {
            return false;
        }

        sourcePort = BinaryPrimitives.ReadUInt16BigEndian(packet[transport..]);
        destinationPort = BinaryPrimitives.ReadUInt16BigEndian(packet[(transport + 2)..]);
        return true;
    }

    private static bool IsTcpOrUdp(byte protocol) => protocol == IpProtocol.Tcp || protocol == IpProtocol.Udp;
}
