using Fastsocket.Time;

namespace Fastsocket.Devices;

/// <summary>
/// Applies a <see cref="FaultProfile"/> to one direction of an <see cref="InMemoryLink"/>. It runs on the
/// receiving side, inside <see cref="InMemoryPort.Poll"/> on the consumer's thread, so packets it delays or
/// holds back are released by the receiver's own polling even after the sender goes quiet. Decisions come
/// from one seeded <see cref="Random"/> in packet order, so a seed and a packet sequence fix the outcome.
/// Held packets live in a preallocated pool: nothing is allocated per packet.
/// </summary>
public sealed class FaultInjector
{
    /// <summary>How many packets (reordered or duplicate copies) can be held at once; beyond it faults are skipped.</summary>
    public const int HoldPoolSize = 256;

    private readonly IClock _clock;
    private readonly Random _random;
    private readonly double _loss;
    private readonly double _duplicate;
    private readonly double _reorder;
    private readonly double _corrupt;
    private readonly long _delay;
    private readonly long _reorderHold;

    // Held packets: one fixed slot each in _heldBuffer. _heldOrder lists occupied slots oldest first so that
    // packets due together come out in the order they were held; _freeSlots is a stack of unused slots.
    private readonly int _slotSize;
    private readonly byte[] _heldBuffer;
    private readonly int[] _heldLength;
    private readonly int[] _heldCountdown;
    private readonly long[] _heldDeadline;
    private readonly int[] _heldOrder;
    private readonly int[] _freeSlots;
    private int _heldCount;
    private int _freeCount;

    private long _delivered;
    private long _lost;
    private long _duplicated;
    private long _reordered;
    private long _corrupted;
    private long _delayed;
    private long _holdPoolFull;

    /// <summary>Creates an injector with its hold pool (<see cref="HoldPoolSize"/> slots of <paramref name="mtu"/> bytes) allocated up front.</summary>
    /// <param name="profile">The faults to apply; its <see cref="FaultProfile.Seed"/> seeds the random source.</param>
    /// <param name="mtu">Largest packet in bytes; sizes each hold slot.</param>
    /// <param name="clock">The link's clock, read in microseconds for delays and reorder deadlines.</param>
    /// <exception cref="ArgumentNullException"><paramref name="profile"/> or <paramref name="clock"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mtu"/> is below 1.</exception>
    public FaultInjector(FaultProfile profile, int mtu, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 1);
        Profile = profile;
        _clock = clock;
        _random = new Random(profile.Seed);
        _loss = profile.Loss;
        _duplicate = profile.Duplicate;
        _reorder = profile.Reorder;
        _corrupt = profile.Corrupt;
        _delay = profile.DelayMicroseconds;
        _reorderHold = profile.ReorderHoldMicroseconds;

        _slotSize = mtu;
        _heldBuffer = new byte[checked(HoldPoolSize * mtu)];
        _heldLength = new int[HoldPoolSize];
        _heldCountdown = new int[HoldPoolSize];
        _heldDeadline = new long[HoldPoolSize];
        _heldOrder = new int[HoldPoolSize];
        _freeSlots = new int[HoldPoolSize];
        for (int i = 0; i < HoldPoolSize; i++)
        {
            _freeSlots[i] = HoldPoolSize - 1 - i;
        }

        _freeCount = HoldPoolSize;
    }

    /// <summary>The profile this injector applies, fixed at construction.</summary>
    public FaultProfile Profile { get; }

    /// <summary>Packets handed to the receiver, duplicates included.</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Packets dropped by <see cref="FaultProfile.Loss"/>. Counters are written by the polling thread; any thread may read them.</summary>
    public long Lost => Volatile.Read(ref _lost);

    /// <summary>Extra copies delivered (or still held for delivery).</summary>
    public long Duplicated => Volatile.Read(ref _duplicated);

    /// <summary>Packets held back so that later ones overtake them.</summary>
    public long Reordered => Volatile.Read(ref _reordered);

    /// <summary>Packets delivered with one bit flipped; the receiver's checksum must catch every one of them.</summary>
    public long Corrupted => Volatile.Read(ref _corrupted);

    /// <summary>Packets that went through the fixed delay.</summary>
    public long Delayed => Volatile.Read(ref _delayed);

    /// <summary>Reorders or duplicates skipped because the hold pool was full.</summary>
    public long HoldPoolFull => Volatile.Read(ref _holdPoolFull);

    /// <summary>Packets currently held back (reordered, or duplicate copies not yet delivered).</summary>
    public int HeldPackets => Volatile.Read(ref _heldCount);

    internal int Poll(PacketRing ring, IPacketReceiver receiver, int maxPackets)
    {
        long now = _clock.NowMicroseconds;
        int delivered = 0;
        if (_heldCount > 0)
        {
            delivered += ReleaseDue(receiver, maxPackets, now);
        }

        while (delivered < maxPackets && ring.TryPeek(out Span<byte> packet, out long transmittedAt))
        {
            if (_delay > 0)
            {
                // Every packet has the same delay, so ring order is deadline order: the head not being due
                // means nothing behind it is due either, and the ring itself is the delay line.
                if (now - transmittedAt < _delay)
                {
                    break;
                }

                _delayed++;
            }

            delivered += Process(packet, receiver, now);

            // Only now: the packet span points into the ring slot, which the producer may reuse after this.
            ring.Advance();

            if (_heldCount > 0 && delivered < maxPackets)
            {
                delivered += ReleaseDue(receiver, maxPackets - delivered, now);
            }
        }

        return delivered;
    }

    /// <summary>Decides one packet's fate; returns how many packets went to the receiver right away (0 or 1).</summary>
    private int Process(Span<byte> packet, IPacketReceiver receiver, long now)
    {
        if (_loss > 0 && _random.NextDouble() < _loss)
        {
            _lost++;
            return 0;
        }

        if (_corrupt > 0 && packet.Length > 0 && _random.NextDouble() < _corrupt)
        {
            // One bit only: the Internet checksum detects every single-bit error, so a corrupted packet must
            // always be caught downstream; multi-bit errors could cancel out and slip through by design.
            int bit = _random.Next(packet.Length * 8);
            packet[bit >> 3] ^= (byte)(1 << (bit & 7));
            _corrupted++;
        }

        bool duplicate = _duplicate > 0 && _random.NextDouble() < _duplicate;
        bool reorder = _reorder > 0 && _random.NextDouble() < _reorder;

        int delivered = 0;
        if (reorder && TryHold(packet, _random.Next(1, 4), now + _reorderHold))
        {
            _reordered++;
        }
        else
        {
            Deliver(receiver, packet);
            delivered = 1;
            CountOvertake();
        }

        // The copy goes through the hold pool due at once, so it still respects the caller's maxPackets.
        if (duplicate && TryHold(packet, 0, now))
        {
            _duplicated++;
        }

        return delivered;
    }

    private void Deliver(IPacketReceiver receiver, ReadOnlySpan<byte> packet)
    {
        receiver.Receive(packet);
        _delivered++;
    }

    private bool TryHold(ReadOnlySpan<byte> packet, int afterPackets, long deadline)
    {
        if (_freeCount == 0)
        {
            _holdPoolFull++;
            return false;
        }

        int slot = _freeSlots[--_freeCount];
        packet.CopyTo(_heldBuffer.AsSpan(slot * _slotSize, _slotSize));
        _heldLength[slot] = packet.Length;
        _heldCountdown[slot] = afterPackets;
        _heldDeadline[slot] = deadline;
        _heldOrder[_heldCount] = slot;
        Volatile.Write(ref _heldCount, _heldCount + 1);
        return true;
    }

    /// <summary>A packet was delivered in sequence: it has overtaken every packet currently held back.</summary>
    private void CountOvertake()
    {
        for (int i = 0; i < _heldCount; i++)
        {
            int slot = _heldOrder[i];
            if (_heldCountdown[slot] > 0)
            {
                _heldCountdown[slot]--;
            }
        }
    }

    private int ReleaseDue(IPacketReceiver receiver, int budget, long now)
    {
        int released = 0;
        int i = 0;
        while (i < _heldCount && released < budget)
        {
            int slot = _heldOrder[i];
            if (_heldCountdown[slot] > 0 && now < _heldDeadline[slot])
            {
                i++;
                continue;
            }

            Deliver(receiver, _heldBuffer.AsSpan(slot * _slotSize, _heldLength[slot]));
            released++;

            // Held counts stay small, so shifting the order list is cheaper than any linked structure.
            Array.Copy(_heldOrder, i + 1, _heldOrder, i, _heldCount - i - 1);
            Volatile.Write(ref _heldCount, _heldCount - 1);
            _freeSlots[_freeCount++] = slot;
        }

        return released;
    }
}
