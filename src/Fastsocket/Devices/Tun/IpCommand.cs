using System.Diagnostics;

namespace Fastsocket.Devices.Tun;

/// <summary>
/// Runs iproute2's <c>ip</c>. Configuring addresses through netlink by hand would be a lot of code for three calls
/// made once at start-up; <c>ip</c> is on every Linux system that has TUN.
/// </summary>
internal static class IpCommand
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public static void Run(string arguments)
    {
        var start = new ProcessStartInfo("ip", arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start) ?? throw new IOException("could not start ip");
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill();
            throw new IOException($"ip {arguments}: timed out");
        }
        if (process.ExitCode != 0)
        {
            throw new IOException($"ip {arguments} exited with {process.ExitCode}: {error.Result.Trim()}{output.Result.Trim()}");
        }
    }
}
