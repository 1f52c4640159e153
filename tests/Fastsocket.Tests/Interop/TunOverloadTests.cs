using System.Globalization;
using System.Text.RegularExpressions;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// The TUN device under load: the kernel's queue toward the stack is as long as <c>--tun-queue-len</c> says, serve
/// reports the kernel's drops at the device beside its own, and a closed-loop load the engine can serve loses nothing
/// there.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed partial class TunOverloadTests
{
    [InteropFact]
    public async Task QueueLengthOptionSetsTheKernelsQueueAndIsReported()
    {
        using var ns = new NetworkNamespace();
        BackgroundProcess serve = await TunServer.StartAsync(ns, "198.18.18", "--http", "--tun-queue-len", "777");
        CommandResult link = ns.Exec("ip", "link", "show", ns.TunName);
        string output = await TunServer.StopAsync(serve);
        Assert.True(link.ExitCode == 0 && link.Output.Contains("qlen 777", StringComparison.Ordinal), $"ip link: {link}");
        Assert.Contains($"tun {ns.TunName}: kernel queue 777 packets per engine; kernel drops: 0 queued for the stack", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// wrk's 1,000 keep-alive connections each wait for their response before the next request, so the kernel never
    /// has more than a few packets per connection for the stack, well inside the default 4,096: any drop at the
    /// device would be the engine failing to read while it could.
    /// </summary>
    [InteropFact("wrk")]
    public async Task ClosedLoopLoadTheEngineServesCausesNoDeviceDrops()
    {
        using var ns = new NetworkNamespace();
        BackgroundProcess serve = await TunServer.StartAsync(ns, "198.18.19", "--http");
        CommandResult wrk = ns.ExecWithin(TimeSpan.FromSeconds(30), "wrk", "-t1", "-c1000", "-d3s", "--timeout", "5s", "http://198.18.19.2/");
        string output = await TunServer.StopAsync(serve);
        Assert.True(wrk.ExitCode == 0, $"wrk: {wrk}\nserve:\n{output}");
        Match drops = KernelDrops().Match(output);
        Assert.True(drops.Success, $"no device drop line in serve's statistics:\n{output}");
        Match requests = Requests().Match(output);
        Assert.True(requests.Success && long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture) > 1000, $"wrk: {wrk}\nserve:\n{output}");
        Assert.True(drops.Groups[1].Value == "0", $"the kernel dropped {drops.Groups[1].Value} packets toward the stack under closed-loop load\nwrk: {wrk.Output}\nserve:\n{output}");
    }

    [GeneratedRegex(@"kernel drops: (\d+|unknown) queued for the stack")]
    private static partial Regex KernelDrops();

    [GeneratedRegex(@"serve: connections \d+, requests (\d+)")]
    private static partial Regex Requests();
}
