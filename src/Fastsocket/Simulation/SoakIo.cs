using System.Security.Cryptography;
using Fastsocket.Sockets;

namespace Fastsocket.Simulation;

/// <summary>The reads and writes both ends of the soak share: exact reads, pattern streams and their SHA-256.</summary>
internal static class SoakIo
{
    public const int ChunkSize = 64 * 1024;

    /// <summary>Fills <paramref name="buffer"/>; false when the stream ended first.</summary>
    public static async Task<bool> ReadExactlyAsync(FastSocket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[filled..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }
            filled += n;
        }
        return true;
    }

    /// <summary>Reads until end of stream; returns how many bytes came (more data than expected is the caller's to judge).</summary>
    public static async Task<long> ReadToEndAsync(FastSocket socket, IncrementalHash? hash, byte[] buffer, CancellationToken cancellationToken)
    {
        long total = 0;
        int n;
        while ((n = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash?.AppendData(buffer, 0, n);
            total += n;
        }
        return total;
    }

    /// <summary>Sends <paramref name="bytes"/> of the pattern stream of <paramref name="seed"/>, hashing what it sent when asked.</summary>
    public static async Task SendPatternAsync(FastSocket socket, int seed, long bytes, IncrementalHash? hash, byte[] buffer,
        CancellationToken cancellationToken)
    {
        var source = new PatternSource(seed);
        while (source.Position < bytes)
        {
            int n = CopyNext(source, buffer, bytes - source.Position);
            hash?.AppendData(buffer, 0, n);
            await socket.SendAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            source.Consume(n);
        }
    }

    /// <summary>The SHA-256 of the first <paramref name="bytes"/> of the pattern stream of <paramref name="seed"/>.</summary>
    public static byte[] PatternDigest(int seed, long bytes)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var source = new PatternSource(seed);
        while (source.Position < bytes)
        {
            ReadOnlySpan<byte> chunk = source.Peek((int)Math.Min(bytes - source.Position, 1 << 20));
            hash.AppendData(chunk);
            source.Consume(chunk.Length);
        }
        return hash.GetHashAndReset();
    }

    private static int CopyNext(PatternSource source, byte[] buffer, long remaining)
    {
        ReadOnlySpan<byte> chunk = source.Peek((int)Math.Min(remaining, buffer.Length));
        chunk.CopyTo(buffer);
        return chunk.Length;
    }
}
