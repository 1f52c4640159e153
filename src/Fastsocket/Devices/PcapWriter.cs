using System.Buffers.Binary;

namespace Fastsocket.Devices;

/// <summary>
/// Writes packets to a classic libpcap file (microsecond timestamps, version 2.4) with link type
/// LINKTYPE_RAW, because the stack's devices carry bare IP packets without any link-layer header.
/// Fields are written little-endian; readers recognise the byte order from the magic number.
/// A diagnostic path, so a lock makes it safe to share between engine threads.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    public const uint Magic = 0xa1b2c3d4;
    public const ushort VersionMajor = 2;
    public const ushort VersionMinor = 4;
    public const int SnapLength = 65535;
    public const uint LinkTypeRaw = 101;
    public const int FileHeaderLength = 24;
    public const int RecordHeaderLength = 16;

    private readonly Lock _lock = new();
    private readonly Stream _stream;
    private readonly bool _leaveOpen;

    // Reused under the lock so writing a record allocates nothing.
    private readonly byte[] _recordHeader = new byte[RecordHeaderLength];
    private long _packetsWritten;
    private bool _disposed;

    /// <summary>Creates (or truncates) the file at <paramref name="path"/>.</summary>
    public PcapWriter(string path)
        : this(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read), leaveOpen: false)
    {
    }

    public PcapWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream must be writable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;

        Span<byte> header = stackalloc byte[FileHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], VersionMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], VersionMinor);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0); // thiszone: GMT offset, unused since the clock has no zone
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0); // sigfigs: always 0 in practice
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkTypeRaw);
        _stream.Write(header);
    }

    public long PacketsWritten => Volatile.Read(ref _packetsWritten);

    /// <summary>Appends one packet; packets longer than the snap length are truncated, as tcpdump would.</summary>
    public void Write(ReadOnlySpan<byte> packet, long timestampMicroseconds)
    {
        // The engine clock has an arbitrary origin; pcap timestamps are unsigned, so clamp rather than wrap.
        long micros = Math.Max(0, timestampMicroseconds);
        int captured = Math.Min(packet.Length, SnapLength);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Span<byte> header = _recordHeader;
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(micros / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(micros % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)captured);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)packet.Length);
            _stream.Write(header);
            _stream.Write(packet[..captured]);
            _packetsWritten++;
        }
    }

    public void Flush()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stream.Flush();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _stream.Flush();
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }
}
