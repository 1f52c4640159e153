namespace Fastsocket.Wire;

/// <summary>One SACK block (RFC 2018): the left edge and the sequence number just past the right edge.</summary>
public readonly record struct SackBlock(uint Left, uint Right);
