namespace Fastsocket.Sockets;

/// <summary>One ready socket and what it is ready for.</summary>
public readonly record struct PollResult(FastSocket Socket, PollEvents Events);
