using System.Buffers.Binary;
using Fastsocket.Wire;

namespace Fastsocket.Simulation;

/// <summary>
/// Builds the hostile packets the soak injects at the server: spoofed SYNs from the benchmarking range
/// (198.19.0.0/16, the half of 198.18.0.0/15 no soak host uses) and malformed packets of several kinds.
/// Seeded, so a seed gives the same packet sequence. One thread at a time.
/// </summary>
public sealed class SoakPacketFactory
{
    /// <summary>The kinds of malformed packet, chosen in turn at random.</summary>
    private enum MalformedKind
    {
        RandomBytes,
        TruncatedIpHeader,
        TruncatedTcpHeader,
        BadIpChecksum,
        BadTcpChecksum,
        BadTcpOptions,
        BadDataOffset,
        LyingTotalLength,
        Count,
    }

    private readonly Random _random;
    private readonly IpAddress _target;
    private readonly ushort _port;
    private ushort _identification;

    /// <summary>A factory whose packets go to <paramref name="target"/>:<paramref name="port"/>, seeded by <paramref name="seed"/>.</summary>
    public SoakPacketFactory(int seed, IpAddress target, ushort port)
    {
        _random = new Random(seed);
        _target = target;
        _port = port;
    }

    /// <summary>Largest packet this factory writes, in bytes.</summary>
    public const int MaxPacketLength = 160;

    /// <summary>Writes a well-formed SYN from a random spoofed address and port, with random but valid options; returns its length.</summary>
    public int WriteSpoofedSyn(Span<byte> destination)
    {
        var options = new TcpOptions
        {
            HasMss = true,
            Mss = (ushort)_random.Next(536, 1461),
            HasWindowScale = _random.Next(2) == 0,
            WindowScale = (byte)_random.Next(0, 15),
            SackPermitted = _random.Next(2) == 0,
            HasTimestamps = _random.Next(2) == 0,
            TsVal = (uint)_random.Next(),
        };
        return WriteSegment(destination, SpoofedSource(), (ushort)_random.Next(1024, 65536), _port, (uint)_random.Next(),
            0, TcpFlags.Syn, options, 0);
    }

    /// <summary>Writes one malformed packet of a randomly chosen kind; returns its length (possibly 0).</summary>
    public int WriteMalformed(Span<byte> destination)
    {
        var kind = (MalformedKind)_random.Next((int)MalformedKind.Count);
        switch (kind)
        {
            case MalformedKind.RandomBytes:
            {
                int length = _random.Next(0, MaxPacketLength + 1);
                _random.NextBytes(destination[..length]);
                return length;
            }
            case MalformedKind.TruncatedIpHeader:
            {
                int full = WriteRandomSegment(destination);
                return _random.Next(0, Math.Min(full, IPv4Header.Length));
            }
            case MalformedKind.TruncatedTcpHeader:
            {
                // Cut inside the TCP header but keep the IP header's total length consistent with the cut, so the IP
                // layer passes it up and the TCP parser has to notice.
                WriteRandomSegment(destination);
                int length = IPv4Header.Length + _random.Next(0, TcpHeader.MinLength);
                RewriteTotalLength(destination, length);
                return length;
            }
            case MalformedKind.BadIpChecksum:
            {
                int length = WriteRandomSegment(destination);
                destination[10] ^= (byte)_random.Next(1, 256);
                return length;
            }
            case MalformedKind.BadTcpChecksum:
            {
                int length = WriteRandomSegment(destination);
                destination[IPv4Header.Length + 16] ^= (byte)_random.Next(1, 256);
                return length;
            }
            case MalformedKind.BadTcpOptions:
                return WriteBadOptions(destination);
            case MalformedKind.BadDataOffset:
            {
                int length = WriteRandomSegment(destination);
                Span<byte> tcp = destination[IPv4Header.Length..length];
                // Below the 5-word minimum, or pointing past the end of the segment.
                int offset = _random.Next(2) == 0 ? _random.Next(0, 5) : _random.Next(tcp.Length / 4 + 1, 16);
                tcp[12] = (byte)((offset << 4) | (tcp[12] & 0x0F));
                FinishTcpChecksum(tcp, ReadSource(destination));
                return length;
            }
            case MalformedKind.LyingTotalLength:
            {
                int length = WriteRandomSegment(destination);
                // Claims more bytes than the packet carries, or fewer than its own header.
                RewriteTotalLength(destination, _random.Next(2) == 0 ? length + _random.Next(1, 1000) : _random.Next(0, IPv4Header.Length));
                return length;
            }
            default:
                throw new InvalidOperationException("unknown malformed kind");
        }
    }

    /// <summary>A valid segment with random flags toward the listening port or a random port.</summary>
    private int WriteRandomSegment(Span<byte> destination)
    {
        TcpFlags flags = (TcpFlags)_random.Next(0, 64);
        ushort port = _random.Next(4) == 0 ? (ushort)_random.Next(1, 65536) : _port;
        return WriteSegment(destination, SpoofedSource(), (ushort)_random.Next(1024, 65536), port, (uint)_random.Next(),
            (uint)_random.Next(), flags, default, _random.Next(0, 40));
    }

    /// <summary>A SYN to the listening port whose option area is garbage: zero lengths, lengths past the end, wrong sizes.</summary>
    private int WriteBadOptions(Span<byte> destination)
    {
        IpAddress source = SpoofedSource();
        int optionLength = 4 * _random.Next(1, 11);
        int tcpLength = TcpHeader.MinLength + optionLength;
        Span<byte> tcp = destination.Slice(IPv4Header.Length, tcpLength);
        tcp.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(tcp, (ushort)_random.Next(1024, 65536));
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], _port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], (uint)_random.Next());
        tcp[12] = (byte)(tcpLength / 4 << 4);
        tcp[13] = (byte)TcpFlags.Syn;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
        Span<byte> area = tcp[TcpHeader.MinLength..];
        switch (_random.Next(4))
        {
            case 0:
                _random.NextBytes(area);
                break;
            case 1:
                area[0] = TcpOptionKind.MaximumSegmentSize;
                area[1] = 0;
                break;
            case 2:
                area[0] = TcpOptionKind.Timestamps;
                area[1] = (byte)(optionLength + _random.Next(1, 40));
                break;
            default:
                area[0] = TcpOptionKind.MaximumSegmentSize;
                area[1] = (byte)(_random.Next(2) == 0 ? 3 : 5);
                break;
        }
        FinishTcpChecksum(tcp, source);
        IPv4Header.Write(destination, source, _target, IpProtocol.Tcp, tcpLength, _identification++);
        return IPv4Header.Length + tcpLength;
    }

    private int WriteSegment(Span<byte> destination, IpAddress source, ushort sourcePort, ushort port, uint sequence,
        uint acknowledgment, TcpFlags flags, in TcpOptions options, int payloadLength)
    {
        Span<byte> payload = stackalloc byte[payloadLength];
        _random.NextBytes(payload);
        int tcpLength = TcpSegmentWriter.Write(destination[IPv4Header.Length..], source, sourcePort, _target, port, sequence,
            acknowledgment, flags, (ushort)_random.Next(0, 65536), options, payload);
        IPv4Header.Write(destination, source, _target, IpProtocol.Tcp, tcpLength, _identification++);
        return IPv4Header.Length + tcpLength;
    }

    private IpAddress SpoofedSource() => IpAddress.FromIPv4(198, 19, (byte)_random.Next(256), (byte)_random.Next(1, 255));

    private static IpAddress ReadSource(ReadOnlySpan<byte> packet) => IpAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(packet[12..]));

    private void FinishTcpChecksum(Span<byte> tcp, IpAddress source)
    {
        tcp[16] = 0;
        tcp[17] = 0;
        ulong sum = InternetChecksum.PseudoHeader(source, _target, IpProtocol.Tcp, tcp.Length);
        sum = InternetChecksum.Accumulate(tcp, sum);
        InternetChecksum.Store(tcp[16..], InternetChecksum.Finish(sum));
    }

    /// <summary>Sets the IP total length and recomputes the header checksum, so only the length is wrong.</summary>
    private static void RewriteTotalLength(Span<byte> packet, int totalLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)totalLength);
        packet[10] = 0;
        packet[11] = 0;
        InternetChecksum.Store(packet[10..], InternetChecksum.Finish(InternetChecksum.Accumulate(packet[..IPv4Header.Length])));
    }
}
