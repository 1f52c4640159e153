using System.Diagnostics;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// A network namespace owned by one test: created with its loopback up, every command and server of the test runs
/// inside it through <c>ip netns exec</c>, and disposing stops what is still running and deletes it, which takes the
/// TUN device, addresses, sysctls and iptables rules with it. Nothing touches the host's own interfaces.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private static int s_counter;
    private readonly List<BackgroundProcess> _processes = [];

    public NetworkNamespace()
    {
        int n = Interlocked.Increment(ref s_counter);
        Name = $"fsi{Environment.ProcessId}-{n}";
        TunName = $"fsi{n}";
        Run("ip", ["netns", "add", Name]).EnsureSuccess();
        Exec("ip", "link", "set", "lo", "up").EnsureSuccess();
    }

    public string Name { get; }

    /// <summary>A TUN name unique among this process's namespaces (names only need to be unique per namespace).</summary>
    public string TunName { get; }

    /// <summary>Runs a command inside the namespace and waits for it (at most <paramref name="limit"/>, default 60 s).</summary>
    public CommandResult Exec(string tool, params string[] arguments) => ExecWithin(TimeSpan.FromSeconds(60), tool, arguments);

    public CommandResult ExecWithin(TimeSpan limit, string tool, params string[] arguments) =>
        Run("ip", ["netns", "exec", Name, tool, .. arguments], limit);

    /// <summary>Starts a long-running command inside the namespace; it is killed when the namespace is disposed.</summary>
    public BackgroundProcess Start(string tool, params string[] arguments)
    {
        var process = new BackgroundProcess(StartInfo("ip", ["netns", "exec", Name, tool, .. arguments]));
        _processes.Add(process);
        return process;
    }

    /// <summary>Starts <c>fastsocket ARGS</c> (the CLI built with the tests) inside the namespace.</summary>
    public BackgroundProcess StartCli(params string[] arguments) => Start("dotnet", [InteropEnvironment.CliDll, .. arguments]);

    /// <summary>Runs <c>fastsocket ARGS</c> inside the namespace to completion.</summary>
    public CommandResult RunCli(TimeSpan limit, params string[] arguments) => ExecWithin(limit, "dotnet", [InteropEnvironment.CliDll, .. arguments]);

    public static CommandResult Run(string tool, string[] arguments, TimeSpan? limit = null)
    {
        using var process = new Process { StartInfo = StartInfo(tool, arguments) };
        process.Start();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new CommandResult(-1, output.Result, error.Result + $"\n(killed after {limit})");
        }
        return new CommandResult(process.ExitCode, output.Result, error.Result);
    }

    private static ProcessStartInfo StartInfo(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    public void Dispose()
    {
        foreach (BackgroundProcess process in _processes)
        {
            process.Dispose();
        }
        Run("ip", ["netns", "del", Name]);
    }
}
