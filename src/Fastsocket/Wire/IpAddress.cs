using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Fastsocket.Wire;

/// <summary>
/// An IP address held by value in 128 bits, so that IPv6 is an addition rather than a rewrite:
/// an IPv4 address is stored as its IPv4-mapped IPv6 form (::ffff:a.b.c.d) and flagged as IPv4.
/// </summary>
public readonly struct IpAddress : IEquatable<IpAddress>
{
    private const ulong V4MappedPrefix = 0x0000_FFFF_0000_0000UL;

    private readonly ulong _high;
    private readonly ulong _low;

    private IpAddress(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    /// <summary>The all-zero value (IPv6 <c>::</c>, not an IPv4 address); listeners use it to mean "any local address".</summary>
    public static IpAddress None => default;

    /// <summary>True for an IPv4 address, stored in its IPv4-mapped form <c>::ffff:a.b.c.d</c>.</summary>
    public bool IsIPv4
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _high == 0 && (_low & 0xFFFF_FFFF_0000_0000UL) == V4MappedPrefix;
    }

    /// <summary><see cref="AddressFamily.InterNetwork"/> for IPv4, otherwise <see cref="AddressFamily.InterNetworkV6"/> (including <see cref="None"/>).</summary>
    public AddressFamily Family => IsIPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;

    /// <summary>Number of bytes the address occupies on the wire.</summary>
    public int WireLength => IsIPv4 ? 4 : 16;

    /// <summary>An IPv4 address from its 32-bit value in host byte order (10.0.0.1 is 0x0A000001).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpAddress FromIPv4(uint hostOrder) => new(0, V4MappedPrefix | hostOrder);

    /// <summary>An IPv4 address from its dotted-quad bytes, <paramref name="a"/> first.</summary>
    public static IpAddress FromIPv4(byte a, byte b, byte c, byte d) =>
        FromIPv4(((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d);

    /// <summary>An IPv4 address from 4 bytes in network byte order, as in a packet header.</summary>
    /// <param name="fourBytes">At least 4 bytes; only the first 4 are read.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpAddress FromIPv4Bytes(ReadOnlySpan<byte> fourBytes) =>
        FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(fourBytes));

    /// <summary>An IPv6 address from 16 bytes in network byte order. An IPv4-mapped address comes back as IPv4.</summary>
    /// <param name="sixteenBytes">At least 16 bytes; only the first 16 are read.</param>
    public static IpAddress FromIPv6Bytes(ReadOnlySpan<byte> sixteenBytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes), BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes[8..]));

    /// <summary>The IPv4 address in host byte order; only meaningful when <see cref="IsIPv4"/>.</summary>
    public uint V4
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (uint)_low;
    }

    /// <summary>The first 64 bits of the IPv6 form, as a big-endian number (zero for every IPv4 address).</summary>
    public ulong High => _high;

    /// <summary>The last 64 bits of the IPv6 form, as a big-endian number (<c>0xFFFF</c> then the IPv4 address, for IPv4).</summary>
    public ulong Low => _low;

    /// <summary>Writes the address as it appears on the wire (4 or 16 bytes) and returns the count.</summary>
    public int WriteTo(Span<byte> destination)
    {
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, V4);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        return 16;
    }

    /// <summary>Converts from <see cref="IPAddress"/>; an IPv6 scope id is lost. Allocates nothing.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="address"/> is null.</exception>
    public static IpAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4 ? FromIPv4Bytes(bytes) : FromIPv6Bytes(bytes);
    }

    /// <summary>Converts to a new <see cref="IPAddress"/> of the same family (IPv4 comes back as 4 bytes, not mapped); allocates.</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        int n = WriteTo(bytes);
        return new IPAddress(bytes[..n]);
    }

    /// <summary>Parses IPv4 or IPv6 text with <see cref="IPAddress.Parse(string)"/>.</summary>
    /// <exception cref="FormatException"><paramref name="text"/> is not an address.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static IpAddress Parse(string text) => FromIPAddress(IPAddress.Parse(text));

    /// <summary>Parses IPv4 or IPv6 text; returns false, with <paramref name="address"/> set to <see cref="None"/>, for null or invalid text.</summary>
    public static bool TryParse(string? text, out IpAddress address)
    {
        if (IPAddress.TryParse(text, out IPAddress? parsed))
        {
            address = FromIPAddress(parsed);
            return true;
        }
        address = default;
        return false;
    }

    /// <summary>Folds the address into 32 bits for hashing; the same for every family.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Fold() => (uint)(_high ^ (_high >> 32) ^ _low ^ (_low >> 32));

    /// <summary>Bitwise equality of the 128-bit forms, so an IPv4 address equals its IPv4-mapped IPv6 spelling.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(IpAddress other) => _high == other._high && _low == other._low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IpAddress other && Equals(other);

    /// <summary>The 32-bit <see cref="Fold"/> of the address.</summary>
    public override int GetHashCode() => (int)Fold();

    /// <summary>Same as <see cref="Equals(IpAddress)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool operator ==(IpAddress left, IpAddress right) => left.Equals(right);

    /// <summary>Negation of <see cref="Equals(IpAddress)"/>.</summary>
    public static bool operator !=(IpAddress left, IpAddress right) => !left.Equals(right);

    /// <summary>The usual text form (dotted quad for IPv4, RFC 5952 for IPv6); allocates.</summary>
    public override string ToString() => ToIPAddress().ToString();
}
