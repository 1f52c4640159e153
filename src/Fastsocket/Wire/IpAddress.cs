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

    public static IpAddress None => default;

    public bool IsIPv4 => _high == 0 && (_low & 0xFFFF_FFFF_0000_0000UL) == V4MappedPrefix;

    public AddressFamily Family => IsIPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;

    /// <summary>Number of bytes the address occupies on the wire.</summary>
    public int WireLength => IsIPv4 ? 4 : 16;

    public static IpAddress FromIPv4(uint hostOrder) => new(0, V4MappedPrefix | hostOrder);

    public static IpAddress FromIPv4(byte a, byte b, byte c, byte d) =>
        FromIPv4(((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d);

    public static IpAddress FromIPv4Bytes(ReadOnlySpan<byte> fourBytes) =>
        FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(fourBytes));

    public static IpAddress FromIPv6Bytes(ReadOnlySpan<byte> sixteenBytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes), BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes[8..]));

    /// <summary>The IPv4 address in host byte order; only meaningful when <see cref="IsIPv4"/>.</summary>
    public uint V4 => (uint)_low;

    public ulong High => _high;

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

    public static IpAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4 ? FromIPv4Bytes(bytes) : FromIPv6Bytes(bytes);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        int n = WriteTo(bytes);
        return new IPAddress(bytes[..n]);
    }

    public static IpAddress Parse(string text) => FromIPAddress(IPAddress.Parse(text));

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

    public bool Equals(IpAddress other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is IpAddress other && Equals(other);

    public override int GetHashCode() => (int)Fold();

    public static bool operator ==(IpAddress left, IpAddress right) => left.Equals(right);

    public static bool operator !=(IpAddress left, IpAddress right) => !left.Equals(right);

    public override string ToString() => ToIPAddress().ToString();
}
