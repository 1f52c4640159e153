namespace Fastsocket.Wire;

/// <summary>TCP control bits (RFC 9293 3.1, RFC 3168 for ECE/CWR).</summary>
[Flags]
public enum TcpFlags : byte
{
    /// <summary>No control bit set.</summary>
    None = 0,
    /// <summary>No more data from the sender; occupies one sequence number.</summary>
    Fin = 0x01,
    /// <summary>Synchronize sequence numbers; occupies one sequence number.</summary>
    Syn = 0x02,
    /// <summary>Reset the connection; checked against the window per RFC 5961 3.</summary>
    Rst = 0x04,
    /// <summary>Push; we set it on the segment that empties our send queue and ignore it on receive.</summary>
    Psh = 0x08,
    /// <summary>The acknowledgment number is significant; set on every segment after the initial SYN except a RST answering a segment that carried an ACK (RFC 9293 3.10.7.1).</summary>
    Ack = 0x10,
    /// <summary>The urgent pointer is valid; urgent data is not supported and the flag is ignored.</summary>
    Urg = 0x20,
    /// <summary>ECN-Echo (RFC 3168); ignored, we do not negotiate ECN.</summary>
    Ece = 0x40,
    /// <summary>Congestion Window Reduced (RFC 3168); ignored, we do not negotiate ECN.</summary>
    Cwr = 0x80,
}
