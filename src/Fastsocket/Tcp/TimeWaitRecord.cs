using Fastsocket.Wire;

namespace Fastsocket.Tcp;

/// <summary>
/// What a closed connection must remember for 2*MSL (RFC 9293 section 3.6.1): enough to re-ACK a
/// retransmitted FIN, to judge a new SYN for the same tuple (RFC 6191), and to answer with the right
/// sequence numbers, window and timestamps — and nothing more, so that a busy server's thousands of
/// TIME-WAIT entries stay small (cf. Linux's inet_timewait_sock replacing the full socket).
/// </summary>
public struct TimeWaitRecord
{
    /// <summary>The 4-tuple, local side first.</summary>
    public FlowKey Key;

    /// <summary>Our next sequence number (after our FIN), for the SEQ of ACKs we send.</summary>
    public SeqNumber SndNxt;

    /// <summary>The peer's next expected sequence number (after its FIN), for the ACK field.</summary>
    public SeqNumber RcvNxt;

    /// <summary>TS.Recent (RFC 7323 section 4.3): the peer's last timestamp, echoed in TSecr.</summary>
    public uint TsRecent;

    /// <summary>Offset added to our clock to form TSval, so timestamps stay monotone for this tuple.</summary>
    public uint TsOffset;

    /// <summary>The 16-bit window field to put in our ACKs, already scaled down (RFC 7323 section 2.3).</summary>
    public ushort WindowField;

    /// <summary>Our receive window shift (RFC 7323), so RCV.WND = WindowField &lt;&lt; WindowShift for the acceptability test.</summary>
    public byte WindowShift;

    /// <summary>Whether the connection used timestamps.</summary>
    public bool HasTimestamps;

    /// <summary>When the 2*MSL timer fires, in microseconds on the engine clock.</summary>
    public long ExpiresAt;

    /// <summary>A record with the given tuple, sequence numbers and expiry; options left off.</summary>
    public TimeWaitRecord(in FlowKey key, SeqNumber sndNxt, SeqNumber rcvNxt, long expiresAt)
    {
        Key = key;
        SndNxt = sndNxt;
        RcvNxt = rcvNxt;
        ExpiresAt = expiresAt;
    }
}
