using System.Diagnostics;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// The unmodified samples/MinimalApi app on Fastsocket.NET over a TUN device, configured by environment variables
/// alone (the startup hook, FASTSOCKET_DEVICE=tun:NAME and the addresses), with curl in the kernel as the client.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class KestrelOverTunTests
{
    private const string Prefix = "198.18.20";
    private const string Url = "http://" + Prefix + ".2:8080";
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(60);

    [InteropFact("curl", "ss")]
    public async Task CurlFromTheKernelGetsAnswersFromTheSampleStartedWithEnvironmentVariablesOnly()
    {
        string root = RepositoryRoot();
        string configuration = Configuration();
        string app = Path.Combine(root, "samples", "MinimalApi", "bin", configuration, "net10.0", "MinimalApi.dll");
        string hookFolder = Path.Combine(root, "src", "Fastsocket.StartupHook", "bin", configuration, "net10.0");
        string hook = Path.Combine(hookFolder, "Fastsocket.StartupHook.dll");
        Assert.True(File.Exists(app), $"sample not built: {app}");
        Assert.True(File.Exists(hook), $"startup hook not built: {hook}");
        Assert.True(File.Exists(Path.Combine(hookFolder, "Fastsocket.AspNetCore.dll")), $"Fastsocket.AspNetCore.dll not next to the hook in {hookFolder}");

        using var ns = new NetworkNamespace();
        BackgroundProcess server = ns.Start("env",
            $"DOTNET_STARTUP_HOOKS={hook}",
            $"FASTSOCKET_HOME={hookFolder}",
            $"FASTSOCKET_DEVICE=tun:{ns.TunName}",
            $"FASTSOCKET_ADDRESS={Prefix}.2/24",
            $"FASTSOCKET_HOST_ADDRESS={Prefix}.1",
            "FASTSOCKET_CORES=1",
            $"ASPNETCORE_URLS={Url}",
            "ASPNETCORE_ENVIRONMENT=Production",
            "DOTNET_NOLOGO=1",
            "dotnet", app);

        // Kestrel is listening once curl gets its 200 (the device and the kernel's route appear a little earlier).
        CommandResult? first = null;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < ReadyLimit && !server.HasExited)
        {
            first = ns.ExecWithin(TimeSpan.FromSeconds(10), "curl", "-sS", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", Url + "/");
            if (first.ExitCode == 0 && first.Output.Trim() == "200")
            {
                break;
            }
            await Task.Delay(250);
        }
        Assert.True(first is { ExitCode: 0 } && first.Output.Trim() == "200",
            $"no 200 from {Url}/ within {ReadyLimit.TotalSeconds} s (exited: {server.HasExited}); last curl: {first}\napp stdout:\n{server.Output}\napp stderr:\n{server.Error}");

        CommandResult get = ns.Exec("curl", "-sS", "-i", "-m", "10", Url + "/");
        Assert.True(get.ExitCode == 0, $"curl GET: {get}");
        Assert.Contains("HTTP/1.1 200 OK", get.Output, StringComparison.Ordinal);
        Assert.Contains("Server: Kestrel", get.Output, StringComparison.Ordinal);
        Assert.EndsWith("Hello from a minimal API", get.Output.TrimEnd(), StringComparison.Ordinal);

        const string Body = "echo over TUN from the kernel";
        CommandResult echo = ns.Exec("curl", "-sS", "-m", "10", "-H", "Content-Type: text/plain", "--data-binary", Body, Url + "/echo");
        Assert.True(echo.ExitCode == 0, $"curl POST /echo: {echo}");
        Assert.Equal(Body, echo.Output);

        // Kestrel's endpoint is on the stack, not on a kernel socket.
        CommandResult listening = ns.Exec("ss", "-Hltn");
        Assert.DoesNotContain(":8080", listening.Output, StringComparison.Ordinal);

        // SIGTERM stops the host, which disposes the stack and then the TUN device: the interface is gone.
        CommandResult stopped = await server.StopAsync(TimeSpan.FromSeconds(30));
        Assert.True(stopped.ExitCode == 0, $"app did not stop cleanly: {stopped}");
        CommandResult link = ns.Exec("ip", "link", "show", ns.TunName);
        Assert.True(link.ExitCode != 0, $"{ns.TunName} still exists after the app stopped: {link}");
    }

    /// <summary>The folder holding Fastsocket.sln, walking up from the test assembly.</summary>
    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Fastsocket.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Fastsocket.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>The configuration the tests were built in (bin/CONFIGURATION/net10.0), which built the sample too.</summary>
    private static string Configuration() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";
}
