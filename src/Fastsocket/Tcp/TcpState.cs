namespace Fastsocket.Tcp;

/// <summary>Connection states of RFC 9293 3.3.2. LISTEN lives in the listen table and TIME-WAIT in the compact time-wait table.</summary>
public enum TcpState : byte
{
    /// <summary>No connection.</summary>
    Closed,
    /// <summary>Waiting for a SYN.</summary>
    Listen,
    /// <summary>We sent SYN; waiting for SYN-ACK.</summary>
    SynSent,
    /// <summary>A SYN came and our SYN-ACK went out; waiting for the ACK.</summary>
    SynReceived,
    /// <summary>The handshake is done; data flows both ways.</summary>
    Established,
    /// <summary>We sent FIN; waiting for its ACK.</summary>
    FinWait1,
    /// <summary>Our FIN is acknowledged; waiting for the peer's.</summary>
    FinWait2,
    /// <summary>The peer sent FIN; waiting for the application to close.</summary>
    CloseWait,
    /// <summary>Both sides sent FIN at once; waiting for the ACK of ours.</summary>
    Closing,
    /// <summary>The peer closed first and we sent our FIN; waiting for its ACK.</summary>
    LastAck,
    /// <summary>Both FINs are acknowledged; waiting 2*MSL.</summary>
    TimeWait,
}
