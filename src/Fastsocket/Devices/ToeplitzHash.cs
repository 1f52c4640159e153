using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Fastsocket.Wire;

namespace Fastsocket.Devices;

/// <summary>
/// The RSS Toeplitz hash (Microsoft's Receive Side Scaling specification), as a NIC computes it to pick a receive
/// queue. The input is the source address, destination address, source port and destination port, in network byte
/// order and in that order; the 2-tuple form stops after the addresses. IPv4 addresses take 4 bytes, IPv6 ones 16.
/// <para>
/// The textbook form walks the input bit by bit, XORing a 32-bit window of the key for every set bit. That is linear
/// in the input, so each input byte's contribution depends only on its position and value: the constructor
/// precomputes it as one 256-entry table per byte position, and a hash is then one table lookup and XOR per byte
/// (12 for an IPv4 4-tuple). Thread-safe: the tables are read-only after construction.
/// </para>
/// </summary>
public sealed class ToeplitzHash
{
    private const int SourceAddressV4 = 0;
    private const int DestinationAddressV4 = 4;
    private const int SourcePortV4 = 8;
    private const int DestinationPortV4 = 10;
    private const int SourceAddressV6 = 0;
    private const int DestinationAddressV6 = 16;
    private const int SourcePortV6 = 32;
    private const int DestinationPortV6 = 34;

    // _table[position * 256 + value]: the hash contribution of byte `value` at input offset `position`.
    private readonly uint[] _table;

    /// <summary>Precomputes the per-byte tables for <paramref name="key"/> (256 entries, 1 KiB, per input byte position the key covers); do it once per NIC, not per packet.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public ToeplitzHash(ToeplitzKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Key = key;
        ReadOnlySpan<byte> k = key.Bytes;
        MaxInputLength = k.Length - 4;
        _table = new uint[MaxInputLength * 256];

        Span<uint> windows = stackalloc uint[8];
        for (int position = 0; position < MaxInputLength; position++)
        {
            // The 40 key bits from this byte on; input bit b of the byte (b = 0 is the most significant) selects
            // the 32-bit window that starts b bits in.
            ulong bits = ((ulong)k[position] << 32) | ((ulong)k[position + 1] << 24) | ((ulong)k[position + 2] << 16) |
                ((ulong)k[position + 3] << 8) | k[position + 4];
            for (int bit = 0; bit < 8; bit++)
            {
                windows[bit] = (uint)(bits >> (8 - bit));
            }

            for (int value = 0; value < 256; value++)
            {
                uint contribution = 0;
                for (int bit = 0; bit < 8; bit++)
                {
                    if ((value & (0x80 >> bit)) != 0)
                    {
                        contribution ^= windows[bit];
                    }
                }

                _table[(position << 8) | value] = contribution;
            }
        }
    }

    /// <summary>The key the tables were built from.</summary>
    public ToeplitzKey Key { get; }

    /// <summary>Longest input the key can hash: its length less the 4 bytes of the final window.</summary>
    public int MaxInputLength { get; }

    /// <summary>Hashes an arbitrary input (already laid out in RSS order, network byte order).</summary>
    public uint Compute(ReadOnlySpan<byte> input)
    {
        if (input.Length > MaxInputLength)
        {
            throw new ArgumentException($"The key covers at most {MaxInputLength} input bytes.", nameof(input));
        }

        uint hash = 0;
        for (int i = 0; i < input.Length; i++)
        {
            hash ^= _table[(i << 8) | input[i]];
        }

        return hash;
    }

    /// <summary>The 4-tuple hash (TCP or UDP). IPv4 when both addresses are IPv4, otherwise the 16-byte forms.</summary>
    public uint Hash(IpAddress source, IpAddress destination, ushort sourcePort, ushort destinationPort)
    {
        if (source.IsIPv4 && destination.IsIPv4)
        {
            return HashIPv4(source.V4, destination.V4, sourcePort, destinationPort);
        }

        return Address(SourceAddressV6, source) ^ Address(DestinationAddressV6, destination) ^
            Port(SourcePortV6, sourcePort) ^ Port(DestinationPortV6, destinationPort);
    }

    /// <summary>The 2-tuple hash (addresses only), for packets without ports.</summary>
    public uint Hash(IpAddress source, IpAddress destination)
    {
        if (source.IsIPv4 && destination.IsIPv4)
        {
            return HashIPv4(source.V4, destination.V4);
        }

        return Address(SourceAddressV6, source) ^ Address(DestinationAddressV6, destination);
    }

    /// <summary>The IPv4 4-tuple hash; addresses in host byte order as <see cref="IpAddress.V4"/> holds them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint HashIPv4(uint source, uint destination, ushort sourcePort, ushort destinationPort) =>
        Word(SourceAddressV4, source) ^ Word(DestinationAddressV4, destination) ^
        Port(SourcePortV4, sourcePort) ^ Port(DestinationPortV4, destinationPort);

    /// <summary>The IPv4 2-tuple hash (addresses only, for packets without ports); addresses in host byte order as <see cref="IpAddress.V4"/> holds them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint HashIPv4(uint source, uint destination) =>
        Word(SourceAddressV4, source) ^ Word(DestinationAddressV4, destination);

    private uint Address(int position, IpAddress address) =>
        Word(position, (uint)(address.High >> 32)) ^ Word(position + 4, (uint)address.High) ^
        Word(position + 8, (uint)(address.Low >> 32)) ^ Word(position + 12, (uint)address.Low);

    // The positions passed in are constants below 36 and the key is at least 40 bytes, so every index lies in the
    // table; skipping bounds checks keeps the per-packet hash to plain loads.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Word(int position, uint value)
    {
        ref uint table = ref MemoryMarshal.GetArrayDataReference(_table);
        int row = position << 8;
        return Unsafe.Add(ref table, row | (int)(value >> 24)) ^
            Unsafe.Add(ref table, (row + 256) | (int)((value >> 16) & 0xFF)) ^
            Unsafe.Add(ref table, (row + 512) | (int)((value >> 8) & 0xFF)) ^
            Unsafe.Add(ref table, (row + 768) | (int)(value & 0xFF));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Port(int position, ushort value)
    {
        ref uint table = ref MemoryMarshal.GetArrayDataReference(_table);
        int row = position << 8;
        return Unsafe.Add(ref table, row | (value >> 8)) ^ Unsafe.Add(ref table, (row + 256) | (value & 0xFF));
    }
}
