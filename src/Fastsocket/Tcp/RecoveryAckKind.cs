namespace Fastsocket.Tcp;

/// <summary>What an ACK of new data means for <see cref="FastRecoveryState"/>.</summary>
internal enum RecoveryAckKind
{
    NotInRecovery,
    PartialAck,
    FullAck,
}
