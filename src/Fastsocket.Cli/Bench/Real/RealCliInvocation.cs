namespace Fastsocket.Cli.Bench.Real;

/// <summary>
/// How to start this CLI again as a child process (the servers of <c>bench --real</c>): the <c>dotnet</c> host with
/// Fastsocket.Cli.dll when the bench runs under it, the running executable when it is the CLI's own apphost (or a
/// single-file build with no dll beside it), and otherwise (a test host running the CLI in-process) the dotnet host
/// that test run uses with the Fastsocket.Cli.dll beside the test.
/// </summary>
internal sealed record RealCliInvocation(string FileName, IReadOnlyList<string> Prefix)
{
    private const string AssemblyName = "Fastsocket.Cli";

    /// <summary>The invocation for the running CLI.</summary>
    public static RealCliInvocation Current()
    {
        string assembly = Path.Combine(AppContext.BaseDirectory, AssemblyName + ".dll");
        string? process = Environment.ProcessPath;
        string processName = process is null ? string.Empty : Path.GetFileNameWithoutExtension(process);
        if (process is not null && (processName == AssemblyName || !File.Exists(assembly)))
        {
            return new RealCliInvocation(process, []);
        }
        if (process is not null && processName == "dotnet")
        {
            return new RealCliInvocation(process, [assembly]);
        }
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? new RealCliInvocation(host, [assembly])
            : new RealCliInvocation("dotnet", [assembly]);
    }

    /// <summary>The arguments to run the CLI with <paramref name="arguments"/>.</summary>
    public IReadOnlyList<string> With(params string[] arguments) => [.. Prefix, .. arguments];
}
