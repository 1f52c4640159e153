using Fastsocket.Cli.Commands;

namespace Fastsocket.Tests.Interop;

/// <summary>Starts <c>fastsocket serve</c> on a TUN device inside a test's namespace and waits until it is ready.</summary>
internal static class TunServer
{
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(60);

    /// <summary>Serves on <c>PREFIX.2</c> with the kernel on <c>PREFIX.1</c> (a /24 inside 198.18.0.0/15).</summary>
    public static async Task<BackgroundProcess> StartAsync(NetworkNamespace ns, string prefix, params string[] extra)
    {
        BackgroundProcess serve = ns.StartCli(["serve", "--tun", ns.TunName, "--address", $"{prefix}.2/24",
            "--host-address", $"{prefix}.1", "--duration", "330", .. extra]);
        bool ready = await serve.WaitForOutputAsync(ServeCommand.ReadyMarker, ReadyLimit);
        Assert.True(ready, $"serve did not get ready:\n{serve.Output}\n{serve.Error}");
        return serve;
    }

    /// <summary>Stops the server with SIGTERM; it must exit 0 after printing its statistics.</summary>
    public static async Task<string> StopAsync(BackgroundProcess serve)
    {
        CommandResult result = await serve.StopAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, $"serve did not stop cleanly: {result}");
        Assert.Contains("stopping (SIGTERM)", result.Output, StringComparison.Ordinal);
        return result.Output;
    }
}
