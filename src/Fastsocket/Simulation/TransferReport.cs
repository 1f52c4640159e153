namespace Fastsocket.Simulation;

/// <summary>The outcome of a <see cref="TransferSpec"/> run.</summary>
public sealed record TransferReport
{
    public required long Bytes { get; init; }
    public required double Seconds { get; init; }
    public required long Retransmits { get; init; }
    public required bool Sha256Match { get; init; }
    public required string SentSha256 { get; init; }
    public required string ReceivedSha256 { get; init; }
    public long PacketsSent { get; init; }
    public long PacketsDropped { get; init; }
    public long ChecksumDrops { get; init; }
    /// <summary>Time spent hashing the received bytes after the transfer (not part of <see cref="Seconds"/>).</summary>
    public double VerifySeconds { get; init; }

    /// <summary>Why the transfer failed, when it did.</summary>
    public string? Error { get; init; }

    public double BytesPerSecond => Seconds > 0 ? Bytes / Seconds : 0;
}
