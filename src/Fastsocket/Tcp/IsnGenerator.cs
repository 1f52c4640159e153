using System.Buffers.Binary;
using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// Initial sequence numbers per RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
/// where M is a timer ticking every 4 microseconds and F is a keyed PRF (SipHash-2-4 here). Within one
/// 4-tuple the ISN therefore grows with time, which keeps a new incarnation above old segments still in
/// flight (RFC 9293 section 3.4.1), while an off-path attacker cannot predict it for a tuple it does not know.
/// </summary>
public sealed class IsnGenerator
{
    // Two 16-byte addresses in their 128-bit form plus two ports: IPv4 and IPv6 hash the same way.
    private const int MessageLength = 36;

    private readonly ulong _k0;
    private readonly ulong _k1;

    /// <summary>Keys F with 128 bits from the OS CSPRNG, as RFC 6528 section 3 recommends.</summary>
    public IsnGenerator()
    {
        (_k0, _k1) = SipHash24.RandomKey();
    }

    /// <summary>A fixed key, for tests and for reproducible simulations.</summary>
    public IsnGenerator(ReadOnlySpan<byte> key)
    {
        (_k0, _k1) = SipHash24.ReadKey(key);
    }

    /// <summary>The ISN for <paramref name="key"/> at <paramref name="nowMicros"/> (RFC 6528: a keyed hash of the 4-tuple plus a 4 microsecond clock).</summary>
    public SeqNumber Next(in FlowKey key, long nowMicros)
    {
        Span<byte> message = stackalloc byte[MessageLength];
        BinaryPrimitives.WriteUInt64BigEndian(message, key.LocalAddress.High);
        BinaryPrimitives.WriteUInt64BigEndian(message[8..], key.LocalAddress.Low);
        BinaryPrimitives.WriteUInt64BigEndian(message[16..], key.RemoteAddress.High);
        BinaryPrimitives.WriteUInt64BigEndian(message[24..], key.RemoteAddress.Low);
        BinaryPrimitives.WriteUInt16BigEndian(message[32..], key.LocalPort);
        BinaryPrimitives.WriteUInt16BigEndian(message[34..], key.RemotePort);
        uint f = (uint)SipHash24.Hash(_k0, _k1, message);
        // M: RFC 6528 section 3 / RFC 9293 section 3.4.1 — a 4 us clock, wrapping every ~4.55 hours.
        uint m = unchecked((uint)(nowMicros >> 2));
        return new SeqNumber(unchecked(m + f));
    }

    /// <summary>
    /// The offset added to our timestamp clock for connections between two addresses (RFC 7323 section 5.4
    /// recommends a random offset). Keyed by the address pair only, not the ports, as Linux does: every
    /// incarnation of a 4-tuple then sees timestamps that only grow, which is what lets a new SYN reuse a
    /// TIME-WAIT 4-tuple by RFC 6191.
    /// </summary>
    public uint TimestampOffset(IpAddress local, IpAddress remote)
    {
        Span<byte> message = stackalloc byte[33];
        BinaryPrimitives.WriteUInt64BigEndian(message, local.High);
        BinaryPrimitives.WriteUInt64BigEndian(message[8..], local.Low);
        BinaryPrimitives.WriteUInt64BigEndian(message[16..], remote.High);
        BinaryPrimitives.WriteUInt64BigEndian(message[24..], remote.Low);
        message[32] = 0x75;
        return (uint)SipHash24.Hash(_k0, _k1, message);
    }
}
