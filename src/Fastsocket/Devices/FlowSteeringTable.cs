using System.Numerics;
using Fastsocket.Wire;

namespace Fastsocket.Devices;

/// <summary>
/// Flow Director-style steering rules for one NIC: exact matches on a flow (a fixed-capacity open-addressing table,
/// like the NIC's perfect filters) and a short list of destination-port mask rules. Flows are keyed from the
/// receiving host's view: local is the packet's destination.
/// <para>
/// Concurrency: engine threads program rules while other engine threads classify packets. Writers serialise among
/// themselves on a lock (rule changes are control-plane work, once per connection at most). Readers take no lock
/// and never wait, and are guaranteed to see each rule either whole or not at all:
/// </para>
/// <list type="bullet">
/// <item>Port masks are an immutable array replaced wholesale (copy-on-write) and published with a release write.</item>
/// <item>An exact-match slot's key is rewritten only under its sequence lock (odd version while writing). A reader
/// that finds the version odd, or changed across its reads, treats the slot as not (yet) holding its flow, or retries:
/// it can see a rule a moment late or a removal a moment early, never one flow's key with another's queue.</item>
/// <item>Changing the queue of an existing rule, or deleting it, is one int write, which readers see old or new.</item>
/// <item>Deleted slots stay as tombstones so probe chains are never cut while readers walk them; a tombstone is
/// turned back into an empty slot only when the slot after it is empty, which means no chain runs through it.</item>
/// </list>
/// </summary>
public sealed class FlowSteeringTable : IFlowSteering
{
    /// <summary>Perfect-filter count of Intel's 82599 Flow Director, the model for this table.</summary>
    public const int DefaultExactMatchCapacity = 8192;

    /// <summary>Most port-mask rules the table holds; <see cref="TryAddPortMask"/> returns false beyond it.</summary>
    public const int MaxPortMaskRules = 64;

    private readonly Lock _writeLock = new();

    // Twice the rule capacity, rounded to a power of two, so the load factor stays at or below one half.
    private readonly ExactMatchSlot[] _slots;
    private readonly int _slotMask;
    private int _exactMatchCount;

    // The farthest any live or past rule sits from its home slot since the last clear: readers probe no further,
    // which bounds a miss even when tombstones pile up.
    private int _longestProbe;

    private PortMaskRule[] _portMasks = [];

    /// <summary>Creates an empty table; the exact-match slots (twice the capacity, rounded up to a power of two) are allocated now.</summary>
    /// <param name="queueCount">Receive queues of the NIC; every rule's queue must be below it.</param>
    /// <param name="exactMatchCapacity">Most exact-match rules held at once, 1 to 2^24.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public FlowSteeringTable(int queueCount, int exactMatchCapacity = DefaultExactMatchCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(exactMatchCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(exactMatchCapacity, 1 << 24);
        QueueCount = queueCount;
        ExactMatchCapacity = exactMatchCapacity;
        _slots = new ExactMatchSlot[BitOperations.RoundUpToPowerOf2((uint)exactMatchCapacity * 2)];
        _slotMask = _slots.Length - 1;
    }

    /// <summary>Receive queues of the NIC, fixed at construction.</summary>
    public int QueueCount { get; }

    /// <summary>Most exact-match rules held at once; <see cref="TryAddExactMatch"/> returns false beyond it.</summary>
    public int ExactMatchCapacity { get; }

    /// <summary>Exact-match rules currently held; a snapshot any thread may read.</summary>
    public int ExactMatchCount => Volatile.Read(ref _exactMatchCount);

    /// <summary>Port-mask rules currently held; a snapshot any thread may read.</summary>
    public int PortMaskCount => Volatile.Read(ref _portMasks).Length;

    /// <summary>The port-mask rules in match order (first added first); a snapshot, safe to enumerate.</summary>
    public IReadOnlyList<PortMaskRule> PortMasks => Volatile.Read(ref _portMasks);

    /// <summary>Adds a rule for <paramref name="flow"/>, or moves an existing rule for it to <paramref name="queue"/>. Any thread; writers serialise on a lock.</summary>
    /// <param name="flow">The flow from the receiving host's view (local = the packet's destination).</param>
    /// <param name="queue">The receive queue, 0 to <see cref="QueueCount"/> - 1.</param>
    /// <returns>False when the flow has no rule yet and <see cref="ExactMatchCapacity"/> rules are already held.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="queue"/> is not a queue of this NIC.</exception>
    public bool TryAddExactMatch(in FlowKey flow, int queue)
    {
        CheckQueue(queue);
        lock (_writeLock)
        {
            int found = FindForWriter(flow);
            if (found >= 0)
            {
                // Same key, new queue: one int store, so readers see either queue and nothing in between.
                Volatile.Write(ref _slots[found].Queue, queue);
                return true;
            }

            if (_exactMatchCount >= ExactMatchCapacity)
            {
                return false;
            }

            // Half the slots at most are live, so a free (empty or deleted) slot is always found.
            int index = flow.GetHashCode() & _slotMask;
            int distance = 0;
            while (_slots[index].State == ExactMatchSlot.Occupied)
            {
                index = (index + 1) & _slotMask;
                distance++;
            }

            if (distance > _longestProbe)
            {
                Volatile.Write(ref _longestProbe, distance);
            }

            ref ExactMatchSlot slot = ref _slots[index];
            int version = slot.Version;

            // Odd version first, with a full fence: no reader may see the new key fields under the old even version.
            Interlocked.Exchange(ref slot.Version, version + 1);
            Volatile.Write(ref slot.LocalHigh, flow.LocalAddress.High);
            Volatile.Write(ref slot.LocalLow, flow.LocalAddress.Low);
            Volatile.Write(ref slot.RemoteHigh, flow.RemoteAddress.High);
            Volatile.Write(ref slot.RemoteLow, flow.RemoteAddress.Low);
            Volatile.Write(ref slot.Ports, PackPorts(flow));
            Volatile.Write(ref slot.Queue, queue);
            Volatile.Write(ref slot.State, ExactMatchSlot.Occupied);

            // Release: every field above is visible before the even version that vouches for them.
            Volatile.Write(ref slot.Version, version + 2);
            Volatile.Write(ref _exactMatchCount, _exactMatchCount + 1);
            return true;
        }
    }

    /// <summary>Removes the rule for <paramref name="flow"/>; the flow falls back to port masks and RSS. Any thread.</summary>
    /// <returns>False when the flow had no rule.</returns>
    public bool RemoveExactMatch(in FlowKey flow)
    {
        lock (_writeLock)
        {
            int found = FindForWriter(flow);
            if (found < 0)
            {
                return false;
            }

            Volatile.Write(ref _slots[found].State, ExactMatchSlot.Deleted);
            Volatile.Write(ref _exactMatchCount, _exactMatchCount - 1);

            // A tombstone followed by an empty slot lies on no live rule's probe chain (such a chain would have to
            // continue through the empty slot), so it and the tombstones just before it can become empty again.
            int index = found;
            while (_slots[index].State == ExactMatchSlot.Deleted &&
                _slots[(index + 1) & _slotMask].State == ExactMatchSlot.Empty)
            {
                Volatile.Write(ref _slots[index].State, ExactMatchSlot.Empty);
                index = (index - 1) & _slotMask;
            }

            return true;
        }
    }

    /// <summary>Removes every exact-match rule. Any thread; a concurrent lookup may miss rules being cleared, never see a wrong one.</summary>
    public void ClearExactMatches()
    {
        lock (_writeLock)
        {
            // Readers mid-probe may now stop early: they miss rules that are being removed anyway.
            for (int i = 0; i < _slots.Length; i++)
            {
                Volatile.Write(ref _slots[i].State, ExactMatchSlot.Empty);
            }

            Volatile.Write(ref _exactMatchCount, 0);
            Volatile.Write(ref _longestProbe, 0);
        }
    }

    /// <summary>Adds a destination-port rule, or re-points the rule with the same value and mask to <paramref name="queue"/>. Rules match in the order added. Any thread.</summary>
    /// <param name="value">The port bits to match, host byte order; must lie within <paramref name="mask"/>.</param>
    /// <param name="mask">Which port bits are compared.</param>
    /// <param name="queue">The receive queue, 0 to <see cref="QueueCount"/> - 1.</param>
    /// <returns>False when <see cref="MaxPortMaskRules"/> rules are already held.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> has bits outside <paramref name="mask"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="queue"/> is not a queue of this NIC.</exception>
    public bool TryAddPortMask(ushort value, ushort mask, int queue)
    {
        CheckQueue(queue);
        if ((value & ~mask) != 0)
        {
            throw new ArgumentException("The value has bits outside the mask, so the rule could never match.", nameof(value));
        }

        lock (_writeLock)
        {
            PortMaskRule[] current = _portMasks;
            var rule = new PortMaskRule(value, mask, queue);
            for (int i = 0; i < current.Length; i++)
            {
                if (current[i].Value == value && current[i].Mask == mask)
                {
                    PortMaskRule[] replaced = (PortMaskRule[])current.Clone();
                    replaced[i] = rule;
                    Volatile.Write(ref _portMasks, replaced);
                    return true;
                }
            }

            if (current.Length >= MaxPortMaskRules)
            {
                return false;
            }

            // Copy-on-write: readers holding the old array keep a consistent rule list; the release write publishes
            // the new array only after its contents.
            var grown = new PortMaskRule[current.Length + 1];
            current.CopyTo(grown, 0);
            grown[^1] = rule;
            Volatile.Write(ref _portMasks, grown);
            return true;
        }
    }

    /// <summary>Removes the rule with exactly this value and mask, keeping the others' order. Any thread; allocates a new rule array.</summary>
    /// <returns>False when no such rule exists.</returns>
    public bool RemovePortMask(ushort value, ushort mask)
    {
        lock (_writeLock)
        {
            PortMaskRule[] current = _portMasks;
            int index = Array.FindIndex(current, r => r.Value == value && r.Mask == mask);
            if (index < 0)
            {
                return false;
            }

            var shrunk = new PortMaskRule[current.Length - 1];
            Array.Copy(current, 0, shrunk, 0, index);
            Array.Copy(current, index + 1, shrunk, index, current.Length - index - 1);
            Volatile.Write(ref _portMasks, shrunk);
            return true;
        }
    }

    /// <summary>Removes every port-mask rule. Any thread.</summary>
    public void ClearPortMasks()
    {
        lock (_writeLock)
        {
            Volatile.Write(ref _portMasks, []);
        }
    }

    /// <summary>Lock-free, wait-free lookup of an exact-match rule; safe from any thread while rules change.</summary>
    public bool TryGetExactMatch(in FlowKey flow, out int queue)
    {
        uint ports = PackPorts(flow);
        ulong localHigh = flow.LocalAddress.High;
        ulong localLow = flow.LocalAddress.Low;
        ulong remoteHigh = flow.RemoteAddress.High;
        ulong remoteLow = flow.RemoteAddress.Low;
        ExactMatchSlot[] slots = _slots;
        int limit = Volatile.Read(ref _longestProbe);
        int index = flow.GetHashCode() & _slotMask;
        for (int probe = 0; probe <= limit; probe++, index = (index + 1) & _slotMask)
        {
            ref ExactMatchSlot slot = ref slots[index];
            while (true)
            {
                int version = Volatile.Read(ref slot.Version);
                if ((version & 1) != 0)
                {
                    // A rule is being written here: it is not there yet, and it cannot be the flow we look for if
                    // that flow already had a rule (writers update in place instead). Move on rather than wait.
                    break;
                }

                // Every read is an acquire, so none of them can move after the version re-check below.
                int state = Volatile.Read(ref slot.State);
                bool match = Volatile.Read(ref slot.Ports) == ports &&
                    Volatile.Read(ref slot.LocalLow) == localLow && Volatile.Read(ref slot.RemoteLow) == remoteLow &&
                    Volatile.Read(ref slot.LocalHigh) == localHigh && Volatile.Read(ref slot.RemoteHigh) == remoteHigh;
                int found = Volatile.Read(ref slot.Queue);
                if (Volatile.Read(ref slot.Version) != version)
                {
                    continue; // rewritten under us: read it again
                }

                if (state == ExactMatchSlot.Empty)
                {
                    queue = 0;
                    return false;
                }

                if (match && state == ExactMatchSlot.Occupied)
                {
                    queue = found;
                    return true;
                }

                break;
            }
        }

        queue = 0;
        return false;
    }

    /// <summary>The first port-mask rule matching a local (destination) port; lock-free.</summary>
    public bool TryMatchPortMask(ushort localPort, out int queue)
    {
        PortMaskRule[] rules = Volatile.Read(ref _portMasks);
        for (int i = 0; i < rules.Length; i++)
        {
            if (rules[i].Matches(localPort))
            {
                queue = rules[i].Queue;
                return true;
            }
        }

        queue = 0;
        return false;
    }

    /// <summary>Writer-side search (under the lock, so no version checks): the slot holding the flow, or -1.</summary>
    private int FindForWriter(in FlowKey flow)
    {
        uint ports = PackPorts(flow);
        int index = flow.GetHashCode() & _slotMask;
        for (int probe = 0; probe <= _longestProbe; probe++, index = (index + 1) & _slotMask)
        {
            ref ExactMatchSlot slot = ref _slots[index];
            if (slot.State == ExactMatchSlot.Empty)
            {
                return -1;
            }

            if (slot.State == ExactMatchSlot.Occupied && slot.Ports == ports &&
                slot.LocalLow == flow.LocalAddress.Low && slot.RemoteLow == flow.RemoteAddress.Low &&
                slot.LocalHigh == flow.LocalAddress.High && slot.RemoteHigh == flow.RemoteAddress.High)
            {
                return index;
            }
        }

        return -1;
    }

    private static uint PackPorts(in FlowKey flow) => ((uint)flow.LocalPort << 16) | flow.RemotePort;

    private void CheckQueue(int queue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(queue, QueueCount);
    }
}
