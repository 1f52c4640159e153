using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// The two halves of a stateless handshake (RFC 4987 3.6, as Linux with tcp_syncookies=1): the SYN-ACK a listener
/// whose half-open queue is full sends instead of storing the SYN, and the check of the ACK that returns, which
/// gives back what is needed to build the connection. Allocation-free; the codec is immutable and shared by cores.
/// </summary>
internal static class SynCookieRules
{
    /// <summary>
    /// How long after its last cookie a listener still checks ACKs for cookies: as long as a cookie stays valid
    /// (<see cref="SynCookieCodec.DefaultMaxAgeSlots"/> slots of 64 s; Linux uses 2 minutes).
    /// </summary>
    public const long CookieModeMicroseconds = SynCookieCodec.DefaultMaxAgeSlots * SynCookieCodec.SlotMicroseconds;

    /// <summary>
    /// The cookie SYN-ACK for <paramref name="syn"/>: ISN from the codec, our MSS, and (only when the SYN carried
    /// timestamps, which are the one place to remember them) window scale and SACK-permitted, with the SYN's options
    /// folded into the low bits of our TSval. Without timestamps neither is offered, so both ends agree on none.
    /// </summary>
    /// <param name="key">The 4-tuple, our side first.</param>
    /// <param name="syn">The SYN.</param>
    /// <param name="codec">The stack's cookie codec.</param>
    /// <param name="config">The engine's TCP settings.</param>
    /// <param name="advertisedMss">The MSS we advertise (what a connection's SYN-ACK would say).</param>
    /// <param name="nowMicroseconds">The engine's clock.</param>
    /// <param name="timestampNow">Our TSval clock for this 4-tuple now (milliseconds plus the RFC 7323 offset), as the connection would send.</param>
    public static TcpReply SynAck(in FlowKey key, in IncomingSegment syn, SynCookieCodec codec, TcpConfig config, int advertisedMss,
        long nowMicroseconds, uint timestampNow)
    {
        ushort peerMss = syn.Options.HasMss ? syn.Options.Mss : (ushort)536;
        SeqNumber iss = codec.Encode(key, syn.Seq, peerMss, nowMicroseconds, out _);
        TcpOptions options = default;
        options.HasMss = true;
        options.Mss = (ushort)Math.Clamp(advertisedMss, 1, ushort.MaxValue);
        if (config.Timestamps && syn.Options.HasTimestamps)
        {
            bool scale = config.WindowScaling && syn.Options.HasWindowScale;
            bool sack = config.SackPermitted && syn.Options.SackPermitted;
            if (scale)
            {
                options.HasWindowScale = true;
                options.WindowScale = (byte)TcpConnection.ReceiveShiftFor(config, config.ReceiveBufferSize);
            }
            options.SackPermitted = sack;
            options.HasTimestamps = true;
            options.TsVal = SynCookieCodec.EncodeTimestamp(timestampNow, scale, syn.Options.WindowScale, sack);
            options.TsEcr = syn.Options.TsVal;
        }
        // The window field of a SYN is never scaled (RFC 7323 2.2); it is what a connection's SYN-ACK would announce.
        ushort window = (ushort)Math.Clamp(config.ReceiveBufferSize, 1, ushort.MaxValue);
        return new TcpReply(key, iss.Value, (syn.Seq + 1).Value, TcpFlags.Syn | TcpFlags.Ack, window, options);
    }

    /// <summary>
    /// Checks an ACK (no SYN, no RST) that matched no connection against the cookie it should carry: its
    /// acknowledgment number minus one must be a cookie the codec made for this 4-tuple and the peer ISN (its sequence
    /// number minus one) within the cookie lifetime, and, when it carries timestamps we use, its TSecr must hold option
    /// bits we could have written. True with what the connection needs.
    /// </summary>
    public static bool TryAccept(in FlowKey key, in IncomingSegment ack, SynCookieCodec codec, TcpConfig config, long nowMicroseconds,
        out SynCookieParameters parameters)
    {
        parameters = default;
        SeqNumber iss = ack.Ack - 1;
        if (!codec.TryDecode(key, iss, ack.Seq - 1, nowMicroseconds, out ushort mss))
        {
            return false;
        }
        bool timestamps = config.Timestamps && ack.Options.HasTimestamps;
        bool scale = false;
        byte shift = 0;
        bool sack = false;
        if (timestamps && !SynCookieCodec.TryDecodeTimestampOptions(ack.Options.TsEcr, out scale, out shift, out sack))
        {
            return false;
        }
        parameters = new SynCookieParameters(iss, mss, scale && config.WindowScaling, shift, sack && config.SackPermitted, timestamps);
        return true;
    }
}
