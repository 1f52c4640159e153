namespace Fastsocket.Tcp;

/// <summary>What <see cref="TimeWaitRules"/> decided for a segment that matches a TIME-WAIT record.</summary>
internal enum TimeWaitAction
{
    /// <summary>Drop the segment silently.</summary>
    Drop,

    /// <summary>Send the verdict's ACK.</summary>
    Reply,

    /// <summary>Send the verdict's ACK as an RFC 5961 challenge ACK (and count it so).</summary>
    ChallengeAck,

    /// <summary>A retransmitted FIN: restart the 2MSL timer and send the verdict's ACK.</summary>
    Restart,

    /// <summary>An exact-match RST: remove the record.</summary>
    Close,

    /// <summary>
    /// An acceptable new SYN (RFC 6191): if a listener takes the port, remove the record and open with an ISS of at
    /// least the verdict's floor; otherwise send the verdict's ACK.
    /// </summary>
    Reopen,
}
