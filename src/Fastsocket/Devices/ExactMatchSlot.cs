namespace Fastsocket.Devices;

/// <summary>
/// One slot of <see cref="FlowSteeringTable"/>'s exact-match table. <see cref="Version"/> is a per-slot sequence
/// lock: odd while a writer rewrites the key fields, bumped by two per rewrite, so a reader that sees the same even
/// version before and after reading the fields knows they belong to one rule.
/// </summary>
internal struct ExactMatchSlot
{
    public const int Empty = 0;
    public const int Occupied = 1;
    public const int Deleted = 2;

    public int Version;
    public int State;
    public int Queue;

    // Local port in the high half, remote port in the low half.
    public uint Ports;
    public ulong LocalHigh;
    public ulong LocalLow;
    public ulong RemoteHigh;
    public ulong RemoteLow;
}
