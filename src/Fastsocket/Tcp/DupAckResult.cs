namespace Fastsocket.Tcp;

/// <summary>What the sender must do after <see cref="NewRenoCongestionControl.OnDuplicateAck"/>.</summary>
public enum DupAckResult
{
    /// <summary>Nothing to retransmit; new data may go out if cwnd and the peer's window allow.</summary>
    None,

    /// <summary>Third duplicate: retransmit the segment at SND.UNA now (RFC 5681 section 3.2 step 4).</summary>
    FastRetransmit,
}
