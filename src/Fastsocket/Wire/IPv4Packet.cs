using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Fastsocket.Wire;

/// <summary>
/// A checked, zero-copy view of an IPv4 packet (RFC 791). <see cref="TryParse"/> validates everything a later
/// read depends on, so the accessors never read past the buffer.
/// </summary>
public readonly ref struct IPv4Packet
{
    /// <summary>The header length without options (IHL 5), in bytes.</summary>
    public const int MinHeaderLength = 20;

    private readonly ReadOnlySpan<byte> _packet;

    private IPv4Packet(ReadOnlySpan<byte> packet)
    {
        _packet = packet;
    }

    /// <summary>The header length in bytes (IHL times 4, 20 to 60), options included.</summary>
    public int HeaderLength => (_packet[0] & 0x0F) * 4;

    /// <summary>The raw TOS / DSCP+ECN byte; the stack does not act on it.</summary>
    public byte TypeOfService => _packet[1];

    /// <summary>The Total Length field in bytes (header plus payload); checked by <see cref="TryParse"/> to fit the buffer.</summary>
    public int TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_packet[2..]);

    /// <summary>The Identification field, host byte order; only meaningful for fragments, which we drop.</summary>
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_packet[4..]);

    /// <summary>The DF flag.</summary>
    public bool DontFragment => (_packet[6] & 0x40) != 0;

    /// <summary>The MF flag; always clear on a packet <see cref="TryParse"/> accepted.</summary>
    public bool MoreFragments => (_packet[6] & 0x20) != 0;

    /// <summary>Fragment offset in bytes.</summary>
    public int FragmentOffset => (BinaryPrimitives.ReadUInt16BigEndian(_packet[6..]) & 0x1FFF) * 8;

    /// <summary>The TTL field; not checked or decremented, since we do not forward.</summary>
    public byte TimeToLive => _packet[8];

    /// <summary>The upper-layer protocol number; compare with <see cref="IpProtocol"/>.</summary>
    public byte Protocol => _packet[9];

    /// <summary>The header checksum as received, host byte order; already verified by <see cref="TryParse"/>.</summary>
    public ushort HeaderChecksum => BinaryPrimitives.ReadUInt16BigEndian(_packet[10..]);

    /// <summary>The source address.</summary>
    public IpAddress Source
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => IpAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(_packet[12..]));
    }

    /// <summary>The destination address.</summary>
    public IpAddress Destination
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => IpAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(_packet[16..]));
    }

    /// <summary>The header bytes, options included; a slice of the parsed buffer, valid only as long as it is.</summary>
    public ReadOnlySpan<byte> Header => _packet[..HeaderLength];

    /// <summary>The raw options bytes (0 to 40), never interpreted; empty for a 20-byte header.</summary>
    public ReadOnlySpan<byte> Options => _packet[MinHeaderLength..HeaderLength];

    /// <summary>The upper-layer payload, bounded by Total Length (link padding after it is excluded).</summary>
    public ReadOnlySpan<byte> Payload => _packet[HeaderLength..TotalLength];

    /// <summary>
    /// Validates version, IHL, total length and header checksum, and rejects fragments (we never send them:
    /// DF is always set and our segments fit the MTU, so a fragment is either hostile or misrouted).
    /// Options are skipped as a block by IHL, never interpreted, so a malformed option cannot hurt.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out IPv4Packet packet, out DropReason reason)
    {
        packet = default;
        if (buffer.Length < MinHeaderLength)
        {
            reason = DropReason.Truncated;
            return false;
        }
        if (buffer[0] >> 4 != 4)
        {
            reason = DropReason.UnsupportedIpVersion;
            return false;
        }
        int ihl = (buffer[0] & 0x0F) * 4;
        if (ihl < MinHeaderLength || ihl > buffer.Length)
        {
            reason = DropReason.BadIpHeaderLength;
            return false;
        }
        int total = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (total < ihl || total > buffer.Length)
        {
            reason = DropReason.BadIpTotalLength;
            return false;
        }
        if (!InternetChecksum.IsValid(InternetChecksum.Accumulate(buffer[..ihl])))
        {
            reason = DropReason.BadIpChecksum;
            return false;
        }
        ushort flagsAndOffset = BinaryPrimitives.ReadUInt16BigEndian(buffer[6..]);
        if ((flagsAndOffset & 0x3FFF) != 0)
        {
            reason = DropReason.Fragment;
            return false;
        }
        packet = new IPv4Packet(buffer);
        reason = DropReason.None;
        return true;
    }
}
