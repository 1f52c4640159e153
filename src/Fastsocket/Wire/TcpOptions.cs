using System.Buffers.Binary;

namespace Fastsocket.Wire;

/// <summary>
/// The parsed representation of the TCP options we understand (MSS, window scale, SACK-permitted, SACK, timestamps),
/// plus the writer that lays them out. Unknown options are skipped by their length.
/// </summary>
public struct TcpOptions
{
    /// <summary>SACK blocks kept on parse and offered on write: four fit in 40 bytes; three when timestamps are present.</summary>
    public const int MaxSackBlocks = 4;
    /// <summary>The largest options area in bytes (a 60-byte header less the 20 fixed).</summary>
    public const int MaxLength = 40;

    /// <summary>An MSS option was present (or is to be written).</summary>
    public bool HasMss;
    /// <summary>The maximum segment size in bytes; valid when <see cref="HasMss"/>.</summary>
    public ushort Mss;
    /// <summary>A window scale option was present (or is to be written).</summary>
    public bool HasWindowScale;
    /// <summary>The shift count as received, not clamped; RFC 7323 2.3 caps it at 14 and the connection applies the cap.</summary>
    public byte WindowScale;
    /// <summary>The SACK-permitted option was present (or is to be written).</summary>
    public bool SackPermitted;
    /// <summary>A timestamps option was present (or is to be written).</summary>
    public bool HasTimestamps;
    /// <summary>The sender's timestamp clock value (RFC 7323 3.2); valid when <see cref="HasTimestamps"/>.</summary>
    public uint TsVal;
    /// <summary>The echoed timestamp (RFC 7323 3.2); valid when <see cref="HasTimestamps"/>.</summary>
    public uint TsEcr;
    /// <summary>How many entries of <see cref="Sack"/> are in use (0 to <see cref="MaxSackBlocks"/>); extra blocks received are dropped, and <see cref="WriteTo"/> writes only as many as fit.</summary>
    public int SackCount;
    /// <summary>The SACK blocks, the first <see cref="SackCount"/> of which are valid, in the order received.</summary>
    public SackBlockArray Sack;

    /// <summary>
    /// Parses an options area. EOL ends the list; NOP is skipped; every other kind must carry a length byte of at
    /// least 2 that stays inside the area, else the whole segment is malformed (RFC 9293 3.1 requires that a
    /// receiver be prepared for any option and rely on the length; a zero length would loop forever).
    /// A known option with an unexpected length is ignored, as Linux does, rather than failing the segment.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> area, out TcpOptions options)
    {
        options = default;
        int i = 0;
        while (i < area.Length)
        {
            byte kind = area[i];
            if (kind == TcpOptionKind.EndOfList)
            {
                break;
            }
            if (kind == TcpOptionKind.NoOperation)
            {
                i++;
                continue;
            }
            if (i + 1 >= area.Length)
            {
                return false;
            }
            int length = area[i + 1];
            if (length < 2 || i + length > area.Length)
            {
                return false;
            }
            ReadOnlySpan<byte> body = area.Slice(i + 2, length - 2);
            switch (kind)
            {
                case TcpOptionKind.MaximumSegmentSize when length == 4:
                    options.HasMss = true;
                    options.Mss = BinaryPrimitives.ReadUInt16BigEndian(body);
                    break;
                case TcpOptionKind.WindowScale when length == 3:
                    options.HasWindowScale = true;
                    options.WindowScale = body[0];
                    break;
                case TcpOptionKind.SackPermitted when length == 2:
                    options.SackPermitted = true;
                    break;
                case TcpOptionKind.Timestamps when length == 10:
                    options.HasTimestamps = true;
                    options.TsVal = BinaryPrimitives.ReadUInt32BigEndian(body);
                    options.TsEcr = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                    break;
                case TcpOptionKind.Sack when length >= 10 && (length - 2) % 8 == 0:
                    int blocks = Math.Min((length - 2) / 8, MaxSackBlocks);
                    for (int b = 0; b < blocks; b++)
                    {
                        options.Sack[b] = new SackBlock(
                            BinaryPrimitives.ReadUInt32BigEndian(body[(b * 8)..]),
                            BinaryPrimitives.ReadUInt32BigEndian(body[(b * 8 + 4)..]));
                    }
                    options.SackCount = blocks;
                    break;
                default:
                    break;
            }
            i += length;
        }
        return true;
    }

    /// <summary>Bytes <see cref="WriteTo"/> will produce (always a multiple of 4, at most 40).</summary>
    public readonly int WireLength
    {
        get
        {
            int n = 0;
            if (HasMss)
            {
                n += 4;
            }
            if (HasTimestamps)
            {
                n += 12;
            }
            else if (SackPermitted)
            {
                n += 4;
            }
            if (HasWindowScale)
            {
                n += 4;
            }
            int sackRoom = (MaxLength - n - 4) / 8;
            int blocks = Math.Min(SackCount, sackRoom);
            if (blocks > 0)
            {
                n += 4 + blocks * 8;
            }
            return n;
        }
    }

    /// <summary>
    /// Writes the options in the layout Linux uses (MSS, SACK-permitted folded into the timestamp padding,
    /// window scale, then SACK blocks as room allows), padded with NOPs to a multiple of 4. Returns the length.
    /// </summary>
    public readonly int WriteTo(Span<byte> destination)
    {
        int n = 0;
        if (HasMss)
        {
            destination[n] = TcpOptionKind.MaximumSegmentSize;
            destination[n + 1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(destination[(n + 2)..], Mss);
            n += 4;
        }
        if (HasTimestamps)
        {
            if (SackPermitted)
            {
                destination[n] = TcpOptionKind.SackPermitted;
                destination[n + 1] = 2;
            }
            else
            {
                destination[n] = TcpOptionKind.NoOperation;
                destination[n + 1] = TcpOptionKind.NoOperation;
            }
            destination[n + 2] = TcpOptionKind.Timestamps;
            destination[n + 3] = 10;
            BinaryPrimitives.WriteUInt32BigEndian(destination[(n + 4)..], TsVal);
            BinaryPrimitives.WriteUInt32BigEndian(destination[(n + 8)..], TsEcr);
            n += 12;
        }
        else if (SackPermitted)
        {
            destination[n] = TcpOptionKind.NoOperation;
            destination[n + 1] = TcpOptionKind.NoOperation;
            destination[n + 2] = TcpOptionKind.SackPermitted;
            destination[n + 3] = 2;
            n += 4;
        }
        if (HasWindowScale)
        {
            destination[n] = TcpOptionKind.NoOperation;
            destination[n + 1] = TcpOptionKind.WindowScale;
            destination[n + 2] = 3;
            destination[n + 3] = WindowScale;
            n += 4;
        }
        int sackRoom = (MaxLength - n - 4) / 8;
        int blocks = Math.Min(SackCount, sackRoom);
        if (blocks > 0)
        {
            destination[n] = TcpOptionKind.NoOperation;
            destination[n + 1] = TcpOptionKind.NoOperation;
            destination[n + 2] = TcpOptionKind.Sack;
            destination[n + 3] = (byte)(2 + blocks * 8);
            n += 4;
            for (int b = 0; b < blocks; b++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(destination[n..], Sack[b].Left);
                BinaryPrimitives.WriteUInt32BigEndian(destination[(n + 4)..], Sack[b].Right);
                n += 8;
            }
        }
        return n;
    }
}
