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
    /// <summary>The classic pcap magic for microsecond timestamps; written little-endian, so a file starts with the bytes d4 c3 b2 a1.</summary>
    public const uint Magic = 0xa1b2c3d4;
    /// <summary>pcap format major version.</summary>
    public const ushort VersionMajor = 2;
    /// <summary>pcap format minor version.</summary>
    public const ushort VersionMinor = 4;
    /// <summary>Most bytes kept per packet; longer packets are cut, with their original length still recorded.</summary>
    public const int SnapLength = 65535;
    /// <summary>LINKTYPE_RAW: each record starts with the IP header, no link-layer header.</summary>
    public const uint LinkTypeRaw = 101;
    /// <summary>Bytes of the global file header written by the constructor.</summary>
    public const int FileHeaderLength = 24;
    /// <summary>Bytes of each record's header (seconds, microseconds, captured and original length).</summary>
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

    /// <summary>Writes the file header to <paramref name="stream"/> at once; records follow at its current position.</summary>
    /// <param name="stream">A writable stream, written only under this writer's lock from now on.</param>
    /// <param name="leaveOpen">True to leave the stream open on <see cref="Dispose"/> (it is still flushed).</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable.</exception>
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

    /// <summary>Records written so far; any thread may read it.</summary>
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

    /// <summary>Flushes the underlying stream, so a running capture can be read. Any thread.</summary>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void Flush()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stream.Flush();
        }
    }

    /// <summary>Flushes and, unless created with leaveOpen, closes the stream. Idempotent; later writes throw <see cref="ObjectDisposedException"/>.</summary>
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
