namespace Fastsocket.Cli.Commands;

/// <summary>
/// .NET's tiered JIT waits ten times longer before it starts optimising hot methods when the process may use only one
/// CPU (taskset, a one-CPU container): the usual 100 ms of quiet becomes 1 s, and every method compiled for the first
/// time restarts the wait. A server pinned to one CPU under load therefore runs unoptimised code for seconds. Measured
/// here with <c>serve --http</c> on CPU 0 over TUN (wrk on CPU 1): keep-alive -c10000 -d8 p99 150-178 ms with the
/// default, 77-83 ms with the multiplier at 1; <c>bench --real</c> serve-tun 41,427 conn/s against 54,193 with all
/// tiering off. The multiplier is only read from the environment (the runtime does not take it from
/// runtimeconfig.json), so the benchmark sets it for every .NET server it starts, Kestrel on kernel sockets included,
/// and <c>serve</c> says so when it is missing.
/// </summary>
internal static class SingleCpuTiering
{
    /// <summary>The runtime's environment variable for the single-CPU delay multiplier.</summary>
    public const string Variable = "DOTNET_TC_DelaySingleProcMultiplier";

    /// <summary>The value that keeps the JIT's usual delay on one CPU.</summary>
    public const string Value = "1";

    /// <summary>The environment a .NET server needs to tier up promptly on one CPU.</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string> { [Variable] = Value };

    /// <summary>
    /// A note for the operator when this process may use one CPU and the delay is still ten times the usual one
    /// (neither the DOTNET_ nor the older COMPlus_ spelling is set); null otherwise.
    /// </summary>
    public static string? Advice(int processorCount, Func<string, string?> getVariable)
    {
        if (processorCount != 1 || getVariable(Variable) is not null || getVariable("COMPlus_TC_DelaySingleProcMultiplier") is not null)
        {
            return null;
        }
        return $"note: this process may use one CPU, so .NET waits 1 s without new JIT work (ten times its usual delay) before " +
            $"optimising hot code and the first seconds of load run unoptimised code; set {Variable}={Value} to keep the usual delay";
    }
}
