namespace Fastsocket.Tcp;

/// <summary>
/// A congestion controller as a connection drives it: it sees new and duplicate ACKs and timeouts, and says how
/// much may be in flight (<see cref="Cwnd"/>). Tcp owns the interface so that another algorithm (CUBIC, RFC 9438)
/// (<see cref="CubicCongestionControl"/>) sits beside <see cref="NewRenoCongestionControl"/>. All sizes are bytes; every <c>highestSent</c> is SND.MAX.
/// </summary>
public interface ICongestionControl
{
    /// <summary>The congestion window.</summary>
    int Cwnd { get; }

    /// <summary>The slow start threshold.</summary>
    int Ssthresh { get; }

    /// <summary>Whether a fast recovery episode is under way.</summary>
    bool InRecovery { get; }

    /// <summary>
    /// Whether a retransmission timeout's episode is under way: from the timeout until everything sent before it is
    /// acknowledged (Linux's TCP_CA_Loss state).
    /// </summary>
    bool InLossRecovery { get; }

    /// <summary>Returns to the state of a new connection with the given sender MSS (pooled connections reuse the object).</summary>
    void Reset(int mss);

    /// <summary>An ACK that advanced SND.UNA to <paramref name="ack"/> by <paramref name="bytesAcked"/> bytes of data.</summary>
    /// <param name="ack">The new SND.UNA.</param>
    /// <param name="bytesAcked">
    /// Bytes of data newly acknowledged that count for growth: in slow start cwnd grows by all of them (as Linux), so
    /// a connection that follows RFC 5681's one SMSS per ACK passes at most that; 0 when the sender was not limited by cwnd.
    /// </param>
    /// <param name="flightSizeBefore">Bytes outstanding before this ACK.</param>
    /// <param name="highestSent">SND.MAX; also marks the end of the current round for delay-based slow-start exit.</param>
    /// <param name="nowMicroseconds">The connection's clock: CUBIC's window is a function of the time since its epoch began.</param>
    /// <param name="rttSampleMicroseconds">The RTT measured from this ACK, or 0 when it gave none (Karn's rule, no timestamps).</param>
    /// <param name="smoothedRttMicroseconds">SRTT (RFC 6298), or 0 before the first sample.</param>
    /// <returns>Whether the connection is to resend its first unacknowledged segment (a partial ACK in recovery).</returns>
    AckResult OnAck(SeqNumber ack, int bytesAcked, int flightSizeBefore, SeqNumber highestSent,
        long nowMicroseconds = 0, long rttSampleMicroseconds = 0, long smoothedRttMicroseconds = 0);

    /// <summary>A duplicate ACK (RFC 5681 section 2, or RFC 6675 with SACK) of <paramref name="sndUna"/>.</summary>
    /// <returns>Whether this ACK starts a fast retransmit.</returns>
    DupAckResult OnDuplicateAck(SeqNumber sndUna, int flightSize, SeqNumber highestSent);

    /// <summary>The retransmission timer expired with <paramref name="flightSize"/> bytes outstanding.</summary>
    void OnRetransmitTimeout(int flightSize, SeqNumber highestSent);

    /// <summary>The connection was idle for longer than an RTO (RFC 5681 section 4.1).</summary>
    void OnIdleRestart();

    /// <summary>
    /// Loss detection outside duplicate-ACK counting (RACK, RFC 8985, on a SACK connection) found a loss: cut
    /// ssthresh as on a fast retransmit and enter recovery until <paramref name="highestSent"/> is acknowledged.
    /// The connection then sets the window itself by Proportional Rate Reduction (<see cref="SetRecoveryWindow"/>).
    /// </summary>
    void OnLossDetected(int flightSize, SeqNumber highestSent);

    /// <summary>During recovery: the window Proportional Rate Reduction (RFC 9937, which obsoletes RFC 6937) allows, in bytes.</summary>
    void SetRecoveryWindow(int cwnd);

    /// <summary>
    /// The last reduction was spurious (DSACK, RFC 2883, or timestamps, RFC 3522): end any recovery and return
    /// to <paramref name="cwnd"/> and <paramref name="ssthresh"/>, the values before it.
    /// </summary>
    void UndoReduction(int cwnd, int ssthresh);
}
