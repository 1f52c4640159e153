using Fastsocket.Tcp;
using Fastsocket.Wire;

namespace Fastsocket.Tests.Hardening;

/// <summary>
/// The cookie codec driven the way the engine will drive it: from parsed segments on the wire, with the
/// SYN-ACK's ISN and TSval made by the codec and read back from the client's ACK (seq - 1, ack - 1, TSecr).
/// </summary>
public sealed class SynCookieHandshakeTests
{
    private static readonly IpAddress s_server = IpAddress.FromIPv4(198, 18, 0, 1);
    private static readonly IpAddress s_client = IpAddress.FromIPv4(198, 18, 0, 2);
    private const ushort ServerPort = 80;
    private const ushort ClientPort = 45000;
    private static readonly byte[] s_key = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();

    private static byte[] Segment(IpAddress from, ushort fromPort, IpAddress to, ushort toPort, uint seq, uint ack, TcpFlags flags, in TcpOptions options)
    {
        byte[] buffer = new byte[TcpHeader.MaxLength];
        int n = TcpSegmentWriter.Write(buffer, from, fromPort, to, toPort, seq, ack, flags, 65535, options, ReadOnlySpan<byte>.Empty);
        return buffer.AsSpan(0, n).ToArray();
    }

    private static IncomingSegment Parse(byte[] segment, IpAddress from, IpAddress to)
    {
        Assert.True(TcpHeader.TryParse(segment, from, to, verifyChecksum: true, out TcpHeader tcp, out DropReason reason), reason.ToString());
        IncomingSegment seg = default;
        Assert.True(TcpOptions.TryParse(tcp.Options, out seg.Options));
        seg.Seq = new SeqNumber(tcp.SequenceNumber);
        seg.Ack = new SeqNumber(tcp.AcknowledgmentNumber);
        seg.Flags = tcp.Flags;
        seg.Window = tcp.Window;
        return seg;
    }

    [Theory]
    [InlineData(true, 7, true)]
    [InlineData(true, -1, false)]
    [InlineData(true, 14, true)]
    [InlineData(false, 7, true)]
    public void AClientCompletesAHandshakeTheServerDidNotStore(bool timestamps, int clientShift, bool clientSack)
    {
        var codec = new SynCookieCodec(s_key);
        long now = 3_600_000_000;
        const uint serverTsNow = 0x0BAD_F00D;

        // Client -> server: SYN with MSS 1400 and the options under test.
        TcpOptions synOptions = default;
        synOptions.HasMss = true;
        synOptions.Mss = 1400;
        synOptions.HasWindowScale = clientShift >= 0;
        synOptions.WindowScale = (byte)Math.Max(clientShift, 0);
        synOptions.SackPermitted = clientSack;
        synOptions.HasTimestamps = timestamps;
        synOptions.TsVal = 555;
        IncomingSegment syn = Parse(Segment(s_client, ClientPort, s_server, ServerPort, 0x7000_0000, 0, TcpFlags.Syn, synOptions), s_client, s_server);

        // Server: the flow key from its side, the cookie ISN and, with timestamps, the options in TSval.
        var key = new FlowKey(s_server, ServerPort, s_client, ClientPort);
        SeqNumber iss = codec.Encode(key, syn.Seq, syn.Options.Mss, now, out ushort encodedMss);
        Assert.Equal(1300, encodedMss);
        TcpOptions synAckOptions = default;
        if (syn.Options.HasTimestamps)
        {
            synAckOptions.HasTimestamps = true;
            synAckOptions.TsVal = SynCookieCodec.EncodeTimestamp(serverTsNow, syn.Options.HasWindowScale, syn.Options.WindowScale, syn.Options.SackPermitted);
            synAckOptions.TsEcr = syn.Options.TsVal;
        }
        IncomingSegment synAck = Parse(Segment(s_server, ServerPort, s_client, ClientPort, iss.Value, (syn.Seq + 1).Value,
            TcpFlags.Syn | TcpFlags.Ack, synAckOptions), s_server, s_client);

        // Client -> server: the ACK, 2 s later, echoing the TSval.
        TcpOptions ackOptions = default;
        ackOptions.HasTimestamps = synAck.Options.HasTimestamps;
        ackOptions.TsVal = 2555;
        ackOptions.TsEcr = synAck.Options.TsVal;
        IncomingSegment ack = Parse(Segment(s_client, ClientPort, s_server, ServerPort, (syn.Seq + 1).Value, (synAck.Seq + 1).Value,
            TcpFlags.Ack, ackOptions), s_client, s_server);

        Assert.True(codec.TryDecode(key, ack.Ack - 1, ack.Seq - 1, now + 2_000_000, out ushort mss));
        Assert.Equal(1300, mss);
        if (timestamps)
        {
            Assert.True(SynCookieCodec.TryDecodeTimestampOptions(ack.Options.TsEcr, out bool hasScale, out byte shift, out bool sack));
            Assert.Equal(clientShift >= 0, hasScale);
            Assert.Equal(Math.Max(clientShift, 0), shift);
            Assert.Equal(clientSack, sack);
        }

        // A data segment sent after a lost first ACK carries the same seq and ack, so it decodes too; an
        // acknowledgment number one further along does not.
        Assert.False(codec.TryDecode(key, ack.Ack, ack.Seq - 1, now + 2_000_000, out _));
    }
}
