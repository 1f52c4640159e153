namespace Fastsocket.Tcp;

/// <summary>
/// Where a connection's sender stands with loss and congestion, as Linux names it (its <c>TCP_CA_*</c> states, which
/// <c>tcp_info.tcpi_ca_state</c> reports); the values are Linux's numbers.
/// </summary>
public enum TcpCongestionState
{
    /// <summary>Nothing out of order: no segment SACKed, deemed lost or retransmitted, no duplicate ACK pending.</summary>
    Open = 0,

    /// <summary>
    /// Something is out of order but no loss is established yet: segments SACKed or duplicate ACKs counted, or
    /// a retransmission still unacknowledged (limited transmit sends in this state, RFC 3042).
    /// </summary>
    Disorder = 1,

    /// <summary>Reducing cwnd after an explicit congestion signal (ECN, RFC 3168), which this stack does not negotiate.</summary>
    Cwr = 2,

    /// <summary>Fast recovery: a loss was found (duplicate ACKs, or RACK) and is being repaired (RFC 6675, RFC 6582).</summary>
    Recovery = 3,

    /// <summary>After a retransmission timeout, until everything sent before it is acknowledged.</summary>
    Loss = 4,
}
