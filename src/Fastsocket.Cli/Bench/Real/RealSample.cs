namespace Fastsocket.Cli.Bench.Real;

/// <summary>One measured run of one server: the client's outcome and the server's CPU time per completed connection
/// over the measured window; <see cref="Problem"/> when the server did not start or the load failed.</summary>
internal sealed record RealSample(RealLoadOutcome Load, double ServerCpuMicrosecondsPerConnection, string? Problem)
{
    /// <summary>A run that measured nothing.</summary>
    public static RealSample Failed(string problem) => new(RealLoadOutcome.Failed(problem), 0, problem);
}
