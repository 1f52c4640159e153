namespace Fastsocket.Diagnostics;

/// <summary>
/// .NET's tiered JIT waits ten times longer before it starts optimising hot methods when the process may use only one
/// CPU (taskset, a one-CPU container): the usual 100 ms without new JIT work becomes 1 s, and every method compiled for
/// the first time restarts the wait. A server on the stack pinned to one CPU under load therefore runs unoptimised code
/// for seconds. Measured with <c>serve --http</c> on CPU 0 over TUN (wrk on CPU 1):
/// keep-alive -c10000 p99 150-178 ms with the default against 77-83 ms with the multiplier at 1; short connections
/// 41,035 conn/s against 52,319, after 5 s of warm-up. The runtime reads the multiplier only from the environment (not
/// from runtimeconfig.json), so a host can only advise it: <c>serve</c> and the ASP.NET Core transport do.
/// </summary>
public static class SingleCpuJitTiering
{
    /// <summary>The runtime's environment variable for the single-CPU delay multiplier.</summary>
    public const string Variable = "DOTNET_TC_DelaySingleProcMultiplier";

    /// <summary>The value that keeps the JIT's usual delay on one CPU.</summary>
    public const string Value = "1";

    /// <summary>
    /// A note for the operator when the process may use one CPU and the delay is still ten times the usual one (neither
    /// the DOTNET_ nor the older COMPlus_ spelling is set); null otherwise.
    /// </summary>
    /// <param name="processorCount">The CPUs the process may use (<see cref="Environment.ProcessorCount"/>).</param>
    /// <param name="getVariable">Reads an environment variable (<see cref="Environment.GetEnvironmentVariable(string)"/>).</param>
    public static string? Advice(int processorCount, Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        if (processorCount != 1 || getVariable(Variable) is not null || getVariable("COMPlus_TC_DelaySingleProcMultiplier") is not null)
        {
            return null;
        }
        return "this process may use one CPU, so .NET waits 1 s without new JIT work (ten times its usual delay) before " +
            $"optimising hot code and the first seconds of load run unoptimised code; set {Variable}={Value} to keep the usual delay";
    }
}
