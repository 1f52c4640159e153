namespace Fastsocket.Tcp;

/// <summary>What the sender must do after <see cref="NewRenoCongestionControl.OnAck"/>.</summary>
public enum AckResult
{
    /// <summary>Nothing more to do.</summary>
    None,

    /// <summary>
    /// A partial ACK in fast recovery (RFC 6582 section 3.2 step 5): retransmit the first unacknowledged
    /// segment now. On the first partial ACK of an episode the caller also rearms the retransmission timer
    /// (RFC 6582 section 4, the "Impatient" variant); see <see cref="NewRenoCongestionControl.PartialAcks"/>.
    /// </summary>
    RetransmitFirstUnacked,
}
