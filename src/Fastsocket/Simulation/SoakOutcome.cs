namespace Fastsocket.Simulation;

/// <summary>How one soak connection ended, seen from the client that opened it.</summary>
public enum SoakOutcome
{
    /// <summary>The exchange finished and every byte checked out.</summary>
    Completed,

    /// <summary>The peer reset or refused the connection where the scenario expected it.</summary>
    Reset,

    /// <summary>We reset the connection ourselves, mid-transfer, as the scenario asked.</summary>
    Aborted,

    /// <summary>TCP gave up (SYNs or data unanswered) with <see cref="System.Net.Sockets.SocketError.TimedOut"/>.</summary>
    TimedOut,

    /// <summary>Anything unexpected: a wrong byte or digest, an unexpected error code, or a stall past the soak's guard.</summary>
    Failed,
}
