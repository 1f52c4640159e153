using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Fastsocket.Wire;

/// <summary>
/// The Internet checksum (RFC 1071): a one's-complement sum of 16-bit words.
/// The sum is independent of byte order (RFC 1071 section 2(B)), so we add words in the machine's native
/// order, many at a time with SIMD, and only the final 16-bit value is stored back in native order too.
/// Partial sums are kept unfolded in 64 bits so that pieces (pseudo-header, header, payload) can be chained.
/// Every piece except the last must have an even length.
/// </summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running unfolded sum.</summary>
    public static ulong Accumulate(ReadOnlySpan<byte> data, ulong sum = 0)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int i = 0;

        if (Vector256.IsHardwareAccelerated && length >= 64)
        {
            // Widen 32-bit lanes into 64-bit accumulators: no carry can be lost for any packet size we handle.
            Vector256<ulong> acc0 = Vector256<ulong>.Zero;
            Vector256<ulong> acc1 = Vector256<ulong>.Zero;
            for (; i <= length - 32; i += 32)
            {
                Vector256<uint> v = Vector256.LoadUnsafe(ref Unsafe.Add(ref start, i)).AsUInt32();
                (Vector256<ulong> lo, Vector256<ulong> hi) = Vector256.Widen(v);
                acc0 += lo;
                acc1 += hi;
            }
            sum += Vector256.Sum(acc0 + acc1);
        }
        else if (Vector128.IsHardwareAccelerated && length >= 32)
        {
            Vector128<ulong> acc0 = Vector128<ulong>.Zero;
            Vector128<ulong> acc1 = Vector128<ulong>.Zero;
            for (; i <= length - 16; i += 16)
            {
                Vector128<uint> v = Vector128.LoadUnsafe(ref Unsafe.Add(ref start, i)).AsUInt32();
                (Vector128<ulong> lo, Vector128<ulong> hi) = Vector128.Widen(v);
                acc0 += lo;
                acc1 += hi;
            }
            sum += Vector128.Sum(acc0 + acc1);
        }

        for (; i <= length - 4; i += 4)
        {
            sum += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
        }
        if (i <= length - 2)
        {
            sum += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }
        if (i < length)
        {
            // A trailing odd byte is the high-order byte of a word padded with zero (network order).
            Span<byte> last = [Unsafe.Add(ref start, i), 0];
            sum += MemoryMarshal.Read<ushort>(last);
        }
        return sum;
    }

    /// <summary>Adds a 16-bit value given in network (host-numeric) form, e.g. a length or protocol number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AccumulateWord(ushort hostValue, ulong sum)
    {
        return sum + (BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(hostValue) : hostValue);
    }

    /// <summary>Sum of the TCP/UDP pseudo-header (RFC 9293 3.1 for IPv4; RFC 8200 8.1 for IPv6).</summary>
    public static ulong PseudoHeader(IpAddress source, IpAddress destination, byte protocol, int upperLayerLength)
    {
        if (source.IsIPv4 && destination.IsIPv4)
        {
            // The hot case: each address is one 32-bit word, summed as Accumulate would read it, with no scratch buffer.
            return AccumulateWord((ushort)upperLayerLength, AccumulateWord(protocol, (ulong)WireWord(source.V4) + WireWord(destination.V4)));
        }
        Span<byte> addresses = stackalloc byte[32];
        int n = source.WriteTo(addresses);
        n += destination.WriteTo(addresses[n..]);
        ulong sum = Accumulate(addresses[..n]);
        if (source.IsIPv4)
        {
            sum = AccumulateWord(protocol, sum);
            sum = AccumulateWord((ushort)upperLayerLength, sum);
        }
        else
        {
            sum = AccumulateWord((ushort)(upperLayerLength >> 16), sum);
            sum = AccumulateWord((ushort)upperLayerLength, sum);
            sum = AccumulateWord(protocol, sum);
        }
        return sum;
    }

    /// <summary>A 32-bit host-order value as <see cref="Accumulate"/> reads its network-order bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint WireWord(uint hostValue) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(hostValue) : hostValue;

    /// <summary>Folds an unfolded sum to 16 bits (still in native order, not complemented).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The checksum field value (complemented), in native order: store it with <see cref="Store"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Finish(ulong sum) => (ushort)~Fold(sum);

    /// <summary>Writes a value from <see cref="Finish"/> into a checksum field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Span<byte> field, ushort nativeChecksum) => MemoryMarshal.Write(field, in nativeChecksum);

    /// <summary>True when data that includes its own checksum field sums to all ones, i.e. is intact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValid(ulong sumIncludingChecksumField) => Fold(sumIncludingChecksumField) == 0xFFFF;

    /// <summary>Checksum of a single buffer as the big-endian number seen on the wire (for tests and diagnostics).</summary>
    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        ushort native = Finish(Accumulate(data));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(native) : native;
    }

    internal static bool IsVectorized => Vector256.IsHardwareAccelerated || Vector128.IsHardwareAccelerated || Vector.IsHardwareAccelerated;
}
