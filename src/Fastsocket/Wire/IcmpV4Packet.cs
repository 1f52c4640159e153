using System.Buffers.Binary;

namespace Fastsocket.Wire;

/// <summary>A checked, zero-copy view of an ICMPv4 message (RFC 792).</summary>
public readonly ref struct IcmpV4Packet
{
    public const int HeaderLength = 8;
    public const byte TypeEchoReply = 0;
    public const byte TypeDestinationUnreachable = 3;
    public const byte TypeEchoRequest = 8;
    public const byte CodePortUnreachable = 3;
    public const byte CodeFragmentationNeeded = 4;

    private readonly ReadOnlySpan<byte> _message;

    private IcmpV4Packet(ReadOnlySpan<byte> message)
    {
        _message = message;
    }

    public byte Type => _message[0];

    public byte Code => _message[1];

    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_message[2..]);

    /// <summary>Echo identifier (echo messages only).</summary>
    public ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(_message[4..]);

    /// <summary>Echo sequence number (echo messages only).</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_message[6..]);

    /// <summary>Next-hop MTU of a "fragmentation needed" message (RFC 1191).</summary>
    public ushort NextHopMtu => BinaryPrimitives.ReadUInt16BigEndian(_message[6..]);

    /// <summary>Echo data, or for errors the offending packet's IP header and first 8 bytes.</summary>
    public ReadOnlySpan<byte> Body => _message[HeaderLength..];

    public ReadOnlySpan<byte> Message => _message;

    public static bool TryParse(ReadOnlySpan<byte> message, out IcmpV4Packet packet, out DropReason reason)
    {
        packet = default;
        if (message.Length < HeaderLength)
        {
            reason = DropReason.BadIcmp;
            return false;
        }
        if (!InternetChecksum.IsValid(InternetChecksum.Accumulate(message)))
        {
            reason = DropReason.BadIcmpChecksum;
            return false;
        }
        packet = new IcmpV4Packet(message);
        reason = DropReason.None;
        return true;
    }
}
