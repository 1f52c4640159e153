namespace Fastsocket.Tcp;

/// <summary>What a duplicate ACK means for <see cref="FastRecoveryState"/>.</summary>
internal enum DuplicateAckKind
{
    None,
    Inflate,
    StartEpisode,
}
