namespace Fastsocket.Tcp;

/// <summary>Connection states of RFC 9293 3.3.2. LISTEN lives in the listen table and TIME-WAIT in the compact time-wait table.</summary>
public enum TcpState : byte
{
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}
