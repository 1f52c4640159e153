using System.Buffers.Binary;

namespace Fastsocket.Simulation;

/// <summary>What a soak client asks of the server, sent as the first <see cref="SoakRequest.Length"/> bytes of a connection.</summary>
internal enum SoakOperation : byte
{
    /// <summary>Read the given number of bytes, send them back, close.</summary>
    Echo = 1,

    /// <summary>Read the pattern stream until end of stream, check its SHA-256, send back the digest of what arrived.</summary>
    Upload = 2,

    /// <summary>Send the given number of pattern bytes, close.</summary>
    Download = 3,

    /// <summary>Echo whatever arrives, until end of stream (the long idle connections).</summary>
    Idle = 4,

    /// <summary>Send pattern bytes until the client resets the connection (expected).</summary>
    DownloadUntilReset = 5,

    /// <summary>Read the given number of bytes, then reset the connection while the client is still sending.</summary>
    ServerAborts = 6,
}

/// <summary>The request header: operation, a byte count and a pattern seed.</summary>
internal readonly record struct SoakRequest(SoakOperation Operation, long Bytes, int Seed)
{
    /// <summary>Bytes on the wire: operation (1), reserved (3), count (8, big-endian), seed (4, big-endian).</summary>
    public const int Length = 16;

    public void WriteTo(Span<byte> destination)
    {
        destination[..Length].Clear();
        destination[0] = (byte)Operation;
        BinaryPrimitives.WriteInt64BigEndian(destination[4..], Bytes);
        BinaryPrimitives.WriteInt32BigEndian(destination[12..], Seed);
    }

    public static SoakRequest Read(ReadOnlySpan<byte> source) =>
        new((SoakOperation)source[0], BinaryPrimitives.ReadInt64BigEndian(source[4..]), BinaryPrimitives.ReadInt32BigEndian(source[12..]));
}
