namespace Fastsocket.Devices;

/// <summary>
/// The secret key of an RSS Toeplitz hash. At least 40 bytes, because hashing an input of n bytes slides a 32-bit
/// window over n*8 key bits, and the longest input (IPv6 addresses plus ports, 36 bytes) needs 36 + 4 key bytes.
/// </summary>
public sealed class ToeplitzKey
{
    /// <summary>Key bytes needed for the longest input (IPv6 4-tuple, 36 bytes) plus the 32-bit window.</summary>
    public const int MinLength = 40;

    private readonly byte[] _bytes;

    /// <summary>Copies <paramref name="key"/>; later changes to the caller's buffer do not affect the key.</summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> is shorter than <see cref="MinLength"/> bytes.</exception>
    public ToeplitzKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinLength)
        {
            throw new ArgumentException($"A Toeplitz key needs at least {MinLength} bytes.", nameof(key));
        }

        _bytes = key.ToArray();
    }

    /// <summary>Microsoft's default RSS key, which most NIC drivers also ship as their default.</summary>
    public static ToeplitzKey Standard { get; } =
        FromHex("6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa");

    /// <summary>
    /// 0x6d5a repeated (Woo and Park, "Scalable TCP Session Monitoring with Symmetric Receive-side Scaling"): a key
    /// with a 16-bit period gives every 16-bit-aligned input field the same window sequence, so swapping source and
    /// destination (addresses are 32 or 128 bits apart, ports 16 bits apart) leaves the hash unchanged. Both
    /// directions of a connection then land on the same queue.
    /// </summary>
    public static ToeplitzKey Symmetric { get; } = Repeated(0x6d, 0x5a, MinLength);

    /// <summary>The key bytes, first byte first as the NIC uses them; read-only.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Key length in bytes, at least <see cref="MinLength"/>.</summary>
    public int Length => _bytes.Length;

    /// <summary>A key from hexadecimal text without separators, as drivers print it (two digits per byte, either case).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="hex"/> is null.</exception>
    /// <exception cref="FormatException"><paramref name="hex"/> is not an even number of hex digits.</exception>
    /// <exception cref="ArgumentException">The key is shorter than <see cref="MinLength"/> bytes.</exception>
    public static ToeplitzKey FromHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        return new ToeplitzKey(Convert.FromHexString(hex));
    }

    private static ToeplitzKey Repeated(byte first, byte second, int length)
    {
        byte[] key = new byte[length];
        for (int i = 0; i < length; i += 2)
        {
            key[i] = first;
            key[i + 1] = second;
        }

        return new ToeplitzKey(key);
    }
}
