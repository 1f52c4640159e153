using System.Buffers.Binary;

namespace Fastsocket.Wire;

/// <summary>
/// A checked, zero-copy view of an IPv4 packet (RFC 791). <see cref="TryParse"/> validates everything a later
/// read depends on, so the accessors never read past the buffer.
/// </summary>
public readonly ref struct IPv4Packet
{
    public const int MinHeaderLength = 20;

    private readonly ReadOnlySpan<byte> _packet;

    private IPv4Packet(ReadOnlySpan<byte> packet)
    {
        _packet = packet;
    }

    public int HeaderLength => (_packet[0] & 0x0F) * 4;

    public byte TypeOfService => _packet[1];

    public int TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_packet[2..]);

    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_packet[4..]);

    public bool DontFragment => (_packet[6] & 0x40) != 0;

    public bool MoreFragments => (_packet[6] & 0x20) != 0;

    /// <summary>Fragment offset in bytes.</summary>
    public int FragmentOffset => (BinaryPrimitives.ReadUInt16BigEndian(_packet[6..]) & 0x1FFF) * 8;

    public byte TimeToLive => _packet[8];

    public byte Protocol => _packet[9];

    public ushort HeaderChecksum => BinaryPrimitives.ReadUInt16BigEndian(_packet[10..]);

    public IpAddress Source => IpAddress.FromIPv4Bytes(_packet[12..]);

    public IpAddress Destination => IpAddress.FromIPv4Bytes(_packet[16..]);

    public ReadOnlySpan<byte> Header => _packet[..HeaderLength];

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
