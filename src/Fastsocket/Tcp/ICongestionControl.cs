namespace Fastsocket.Tcp;

/// <summary>
/// A congestion controller as a connection drives it: it sees new and duplicate ACKs and timeouts, and says how
/// much may be in flight (<see cref="Cwnd"/>). Tcp owns the interface so that another algorithm (CUBIC, RFC 9438)
/// can sit beside <see cref="NewRenoCongestionControl"/>. All sizes are bytes; every <c>highestSent</c> is SND.MAX.
/// </summary>
public interface ICongestionControl
{
    /// <summary>The congestion window.</summary>
    int Cwnd { get; }

    /// <summary>The slow start threshold.</summary>
    int Ssthresh { get; }

    /// <summary>Whether a fast recovery episode is under way.</summary>
    bool InRecovery { get; }

    /// <summary>Returns to the state of a new connection with the given sender MSS (pooled connections reuse the object).</summary>
    void Reset(int mss);

    /// <summary>An ACK that advanced SND.UNA to <paramref name="ack"/> by <paramref name="bytesAcked"/> bytes of data.</summary>
    /// <returns>Whether the connection is to resend its first unacknowledged segment (a partial ACK in recovery).</returns>
    AckResult OnAck(SeqNumber ack, int bytesAcked, int flightSizeBefore, SeqNumber highestSent);

    /// <summary>A duplicate ACK (RFC 5681 section 2, or RFC 6675 with SACK) of <paramref name="sndUna"/>.</summary>
    /// <returns>Whether this ACK starts a fast retransmit.</returns>
    DupAckResult OnDuplicateAck(SeqNumber sndUna, int flightSize, SeqNumber highestSent);

    /// <summary>The retransmission timer expired with <paramref name="flightSize"/> bytes outstanding.</summary>
    void OnRetransmitTimeout(int flightSize, SeqNumber highestSent);

    /// <summary>The connection was idle for longer than an RTO (RFC 5681 section 4.1).</summary>
    void OnIdleRestart();
}
