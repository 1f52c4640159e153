namespace Fastsocket.Simulation;

/// <summary>The outcome of a <see cref="TransferSpec"/> run.</summary>
public sealed record TransferReport
{
    /// <summary>Bytes the receiver got; equals <see cref="TransferSpec.Bytes"/> on success.</summary>
    public required long Bytes { get; init; }
    /// <summary>Wall-clock seconds from the server's accept to the last byte received (wall time even in virtual-time runs), excluding <see cref="VerifySeconds"/>.</summary>
    public required double Seconds { get; init; }
    /// <summary>Segments the client (the sender) retransmitted.</summary>
    public required long Retransmits { get; init; }
    /// <summary>
    /// Simulated seconds from the start of the connection to the last byte received, on a virtual-clock run (0 on
    /// real time): the measure of loss recovery, since retransmission timeouts cost simulated but not wall time.
    /// </summary>
    public double SimulatedSeconds { get; init; }
    /// <summary>Loss recoveries the sender entered (fast retransmits: duplicate ACKs, SACK or RACK detections).</summary>
    public long FastRetransmits { get; init; }
    /// <summary>Segments the sender's RACK (RFC 8985) marked lost by time.</summary>
    public long RackLossDetections { get; init; }
    /// <summary>Tail loss probes the sender sent (RFC 8985 7).</summary>
    public long TailLossProbes { get; init; }
    /// <summary>Retransmission timeouts at the sender.</summary>
    public long RetransmitTimeouts { get; init; }
    /// <summary>Recoveries or timeouts the sender undid as spurious (DSACK or timestamps).</summary>
    public long SpuriousUndos { get; init; }
    /// <summary>True only when both sides completed, the full byte count arrived and the two SHA-256 digests are equal: the transfer is correct.</summary>
    public required bool Sha256Match { get; init; }
    /// <summary>SHA-256 of the bytes sent, lowercase hex.</summary>
    public required string SentSha256 { get; init; }
    /// <summary>SHA-256 of the bytes received, lowercase hex.</summary>
    public required string ReceivedSha256 { get; init; }
    /// <summary>IP packets the client engine transmitted, data and control, retransmissions included.</summary>
    public long PacketsSent { get; init; }
    /// <summary>Packets the link's fault injection lost, both directions.</summary>
    public long PacketsDropped { get; init; }
    /// <summary>Packets either engine dropped for a bad IP or TCP checksum: the corrupted packets the checksums caught.</summary>
    public long ChecksumDrops { get; init; }
    /// <summary>Time spent hashing the received bytes after the transfer (not part of <see cref="Seconds"/>).</summary>
    public double VerifySeconds { get; init; }

    /// <summary>Why the transfer failed, when it did.</summary>
    public string? Error { get; init; }

    /// <summary>Goodput: <see cref="Bytes"/> / <see cref="Seconds"/>, or 0 when no time was measured.</summary>
    public double BytesPerSecond => Seconds > 0 ? Bytes / Seconds : 0;
}
