using Fastsocket.Time;

namespace Fastsocket.Devices;

/// <summary>
/// A device whose other end is a program in the same process rather than a wire: it injects the packets the engine
/// receives and takes the packets the engine sends, each stamped with the engine clock's time when it left. This is
/// how a test harness such as packetdrill (in its shared-object mode) plays the remote host packet by packet.
/// Both queues are bounded; a packet that does not fit is dropped and counted, as a full NIC ring does.
/// </summary>
/// <remarks>Not thread-safe: the owner serializes the engine and the harness (one lock around both).</remarks>
public sealed class InjectedPacketDevice : IPacketDevice
{
    private readonly IClock _clock;
    private readonly Queue<byte[]> _inbound = new();
    private readonly Queue<(byte[] Packet, long Timestamp)> _outbound = new();
    private readonly int _capacity;

    /// <summary>A device of <paramref name="mtu"/> bytes whose queues hold at most <paramref name="capacity"/> packets each.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="clock"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mtu"/> is below 576 (RFC 791's minimum datagram) or <paramref name="capacity"/> is not positive.</exception>
    public InjectedPacketDevice(IClock clock, int mtu = 1500, int capacity = 4096)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 576);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _clock = clock;
        Mtu = mtu;
        _capacity = capacity;
    }

    /// <inheritdoc/>
    public int Mtu { get; }

    /// <summary>Packets the engine sent that nobody has taken yet.</summary>
    public int OutboundCount => _outbound.Count;

    /// <summary>Packets injected that the engine has not polled yet.</summary>
    public int InboundCount => _inbound.Count;

    /// <summary>Injected packets dropped because the inbound queue was full or the packet was empty or too large.</summary>
    public long InboundDropped { get; private set; }

    /// <summary>Sent packets dropped because nobody took them and the outbound queue was full.</summary>
    public long OutboundDropped { get; private set; }

    /// <summary>
    /// Queues one raw IP packet for the engine's next poll; false when it was dropped (queue full, empty, or over
    /// 65535 bytes). As with a TUN device, a packet larger than the MTU is taken: the MTU bounds what we send, and a
    /// peer's GRO-merged or jumbo segment is the receive path's to judge.
    /// </summary>
    public bool Inject(ReadOnlySpan<byte> packet)
    {
        if (_inbound.Count >= _capacity || packet.Length > ushort.MaxValue || packet.IsEmpty)
        {
            InboundDropped++;
            return false;
        }
        _inbound.Enqueue(packet.ToArray());
        return true;
    }

    /// <summary>
    /// Takes the oldest packet the engine sent: copies it into <paramref name="destination"/> (cut to its length) and
    /// returns its full length and the clock's time when it was sent; false when nothing is waiting.
    /// </summary>
    public bool TryTake(Span<byte> destination, out int length, out long timestampMicroseconds)
    {
        if (!_outbound.TryDequeue(out (byte[] Packet, long Timestamp) item))
        {
            length = 0;
            timestampMicroseconds = 0;
            return false;
        }
        int n = Math.Min(item.Packet.Length, destination.Length);
        item.Packet.AsSpan(0, n).CopyTo(destination);
        length = item.Packet.Length;
        timestampMicroseconds = item.Timestamp;
        return true;
    }

    /// <inheritdoc/>
    public int Poll(IPacketReceiver receiver, int maxPackets)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        int n = 0;
        while (n < maxPackets && _inbound.TryDequeue(out byte[]? packet))
        {
            receiver.Receive(packet);
            n++;
        }
        return n;
    }

    /// <inheritdoc/>
    public void Transmit(ReadOnlySpan<byte> packet)
    {
        if (_outbound.Count >= _capacity)
        {
            OutboundDropped++;
            return;
        }
        _outbound.Enqueue((packet.ToArray(), _clock.NowMicroseconds));
    }

    /// <inheritdoc/>
    public void Flush()
    {
    }
}
