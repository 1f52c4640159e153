using System.Buffers.Binary;

namespace Fastsocket.Wire;

/// <summary>A checked, zero-copy view of an ICMPv4 message (RFC 792).</summary>
public readonly ref struct IcmpV4Packet
{
    /// <summary>The fixed ICMP header in bytes: type, code, checksum and 4 type-specific bytes.</summary>
    public const int HeaderLength = 8;
    /// <summary>Echo Reply (RFC 792).</summary>
    public const byte TypeEchoReply = 0;
    /// <summary>Destination Unreachable (RFC 792); its codes include <see cref="CodePortUnreachable"/> and <see cref="CodeFragmentationNeeded"/>.</summary>
    public const byte TypeDestinationUnreachable = 3;
    /// <summary>Echo Request (RFC 792); the engine answers it with an Echo Reply.</summary>
    public const byte TypeEchoRequest = 8;
    /// <summary>Destination Unreachable code 3: the port is closed.</summary>
    public const byte CodePortUnreachable = 3;
    /// <summary>Destination Unreachable code 4: fragmentation needed and DF set; carries <see cref="NextHopMtu"/> (RFC 1191).</summary>
    public const byte CodeFragmentationNeeded = 4;

    private readonly ReadOnlySpan<byte> _message;

    private IcmpV4Packet(ReadOnlySpan<byte> message)
    {
        _message = message;
    }

    /// <summary>The message type.</summary>
    public byte Type => _message[0];

    /// <summary>The message code, whose meaning depends on <see cref="Type"/>.</summary>
    public byte Code => _message[1];

    /// <summary>The checksum as received, host byte order; already verified by <see cref="TryParse"/>.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_message[2..]);

    /// <summary>Echo identifier (echo messages only).</summary>
    public ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(_message[4..]);

    /// <summary>Echo sequence number (echo messages only).</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_message[6..]);

    /// <summary>Next-hop MTU of a "fragmentation needed" message (RFC 1191).</summary>
    public ushort NextHopMtu => BinaryPrimitives.ReadUInt16BigEndian(_message[6..]);

    /// <summary>Echo data, or for errors the offending packet's IP header and first 8 bytes.</summary>
    public ReadOnlySpan<byte> Body => _message[HeaderLength..];

    /// <summary>The whole message, header included; a slice of the parsed buffer, valid only as long as it is.</summary>
    public ReadOnlySpan<byte> Message => _message;

    /// <summary>Checks the length and the checksum over the whole message; the type and code are left to the caller.</summary>
    /// <param name="message">The IPv4 payload, i.e. the ICMP message. The view borrows it; nothing is copied.</param>
    /// <param name="packet">The view on success; default otherwise.</param>
    /// <param name="reason"><see cref="DropReason.BadIcmp"/> when shorter than 8 bytes, <see cref="DropReason.BadIcmpChecksum"/> when the checksum fails, else <see cref="DropReason.None"/>.</param>
    /// <returns>True when the message may be read.</returns>
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
