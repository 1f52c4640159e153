using System.Runtime.CompilerServices;

namespace Fastsocket.Wire;

/// <summary>
/// Source and destination address checks of RFC 1122 section 3.2.1.3 (and the registry of RFC 6890): a packet from
/// "this network", a multicast or broadcast address, class E, or from loopback on a real device is a forgery or a
/// misconfiguration, and answering it (a reset, a SYN-ACK) would reflect traffic at whoever owns that address.
/// Each check switches on the address family, so IPv6 is a case, not a rewrite.
/// </summary>
/// <remarks>
/// A subnet-directed broadcast (host part all ones) cannot be told from a host without the prefix length, which the
/// stack does not know; the device's own broadcast address, when it has one, should be added by the caller.
/// </remarks>
public static class AddressClassifier
{
    /// <summary>The special-purpose class of <paramref name="address"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AddressClass Classify(in IpAddress address) =>
        address.IsIPv4 ? ClassifyV4(address.V4) : ClassifyV6(address.High, address.Low);

    /// <summary>
    /// Whether a packet from <paramref name="source"/> may be processed: every class but unicast is martian, except
    /// loopback on the loopback device (where 127/8 is the normal case).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SourceVerdict ClassifySource(in IpAddress source, bool deviceIsLoopback)
    {
        AddressClass kind = Classify(source);
        if (kind == AddressClass.Unicast || (kind == AddressClass.Loopback && deviceIsLoopback))
        {
            return SourceVerdict.Acceptable;
        }
        return SourceVerdict.Martian;
    }

    /// <summary>
    /// As <see cref="ClassifySource(in IpAddress, bool)"/>, and also refuses a source that is one of our own addresses
    /// (<paramref name="sourceIsLocalAddress"/>) arriving on a device other than loopback: the "land" attack, a SYN
    /// from ourselves to ourselves, and the reflection of our own replies at us. Linux drops these as martians too.
    /// </summary>
    public static SourceVerdict ClassifySource(in IpAddress source, bool deviceIsLoopback, bool sourceIsLocalAddress)
    {
        SourceVerdict verdict = ClassifySource(source, deviceIsLoopback);
        if (verdict == SourceVerdict.Acceptable && sourceIsLocalAddress && !deviceIsLoopback)
        {
            return SourceVerdict.OwnAddress;
        }
        return verdict;
    }

    /// <summary>The drop reason for a refused source; <see cref="DropReason.None"/> for an acceptable one.</summary>
    public static DropReason DropReasonFor(SourceVerdict verdict) => verdict switch
    {
        SourceVerdict.Martian => DropReason.MartianSource,
        SourceVerdict.OwnAddress => DropReason.LandAttack,
        _ => DropReason.None,
    };

    /// <summary>
    /// Whether <paramref name="destination"/> names one host: TCP serves only those (RFC 9293 section 3.9.1 / RFC 1122
    /// 4.2.3.10: a SYN to a broadcast or multicast address is dropped, never answered). Loopback counts as unicast.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsUnicastDestination(in IpAddress destination)
    {
        AddressClass kind = Classify(destination);
        return kind is AddressClass.Unicast or AddressClass.Loopback;
    }

    /// <summary>
    /// A segment whose two ends are the same address and port: what the land attack sends. On loopback it is also what
    /// a socket connected to itself sees (TCP simultaneous open with itself), so the caller decides by device.
    /// </summary>
    public static bool IsSelfAddressed(in FlowKey key) =>
        key.LocalPort == key.RemotePort && key.LocalAddress.Equals(key.RemoteAddress);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static AddressClass ClassifyV4(uint address)
    {
        uint first = address >> 24;
        if (address == 0xFFFF_FFFFu)
        {
            return AddressClass.LimitedBroadcast;
        }
        if (first == 0)
        {
            return AddressClass.ThisNetwork;
        }
        if (first == 127)
        {
            return AddressClass.Loopback;
        }
        if ((first & 0xF0) == 0xE0)
        {
            return AddressClass.Multicast;
        }
        if ((first & 0xF0) == 0xF0)
        {
            return AddressClass.Reserved;
        }
        return AddressClass.Unicast;
    }

    private static AddressClass ClassifyV6(ulong high, ulong low)
    {
        if (high == 0 && low == 0)
        {
            return AddressClass.ThisNetwork;
        }
        if (high == 0 && low == 1)
        {
            return AddressClass.Loopback;
        }
        if (high >> 56 == 0xFF)
        {
            return AddressClass.Multicast;
        }
        return AddressClass.Unicast;
    }
}
