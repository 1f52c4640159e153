using System.Text.Json;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// Unmodified iperf3 on Fastsocket.NET through LD_PRELOAD against iperf3 on the kernel, over TUN in a namespace: our
/// server with a kernel client, our client sending, and our client receiving (-R). Each run must complete, the sender
/// must have sent the bytes asked for (-n, to iperf3's block), both ends must report the same count for the receiving side, and
/// the kernel's end must have talked to the stack's address. iperf3 stops counting at the receiver when the sender's
/// end-of-test message arrives on the control connection, so the receiver's count may be below the sender's, as it
/// is between two kernels (16.9 of 21 MB over loopback on the development machine).
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class Iperf3PreloadTests
{
    private const string Prefix = "198.18.25";
    private const long Bytes = 8 * 1024 * 1024;
    private const long BlockBytes = 128 * 1024;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [NginxPreloadFact("iperf3", "gcc")]
    public Task Iperf3ServerOnTheStackServesAKernelClient() => RunAsync(oursServes: true, reverse: false);

    [NginxPreloadFact("iperf3", "gcc")]
    public Task Iperf3ClientOnTheStackSendsToAKernelServer() => RunAsync(oursServes: false, reverse: false);

    [NginxPreloadFact("iperf3", "gcc")]
    public Task Iperf3ClientOnTheStackReceivesFromAKernelServer() => RunAsync(oursServes: false, reverse: true);

    private static async Task RunAsync(bool oursServes, bool reverse)
    {
        string work = Directory.CreateTempSubdirectory("iperf3-preload-").FullName;
        try
        {
            string preload = PreloadSetup.BuildInterposer(work);
            using NetworkNamespace ns = PreloadSetup.CreateNamespace(Prefix);
            string serverAddress = oursServes ? $"{Prefix}.2" : $"{Prefix}.1";
            string[] serverCommand = ["iperf3", "-s", "-1", "-B", serverAddress, "-J"];
            string[] clientCommand = ["iperf3", "-c", serverAddress, "-n", Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "-J", .. reverse ? ["-R"] : Array.Empty<string>()];
            BackgroundProcess server;
            CommandResult client;
            if (oursServes)
            {
                server = ns.Start("env", PreloadSetup.Preloaded(preload, ns, Prefix, "thread", serverCommand));
                Assert.True(await PreloadSetup.WaitForQueuesAsync(() => [server.Id], 1, Limit), $"iperf3 did not start the stack: {server.Error}");
                client = ns.ExecWithin(Limit, clientCommand[0], clientCommand[1..]);
            }
            else
            {
                server = ns.Start(serverCommand[0], serverCommand[1..]);
                await Task.Delay(300);
                client = ns.ExecWithin(Limit, "env", PreloadSetup.Preloaded(preload, ns, Prefix, "thread", clientCommand));
            }
            CommandResult served = await PreloadSetup.WaitForExitAsync(server, Limit);
            Assert.True(client.ExitCode == 0, $"client: {client}");
            Assert.True(served.ExitCode == 0, $"server: {served}");

            using JsonDocument clientReport = JsonDocument.Parse(client.Output);
            using JsonDocument serverReport = JsonDocument.Parse(served.Output);
            Assert.False(clientReport.RootElement.TryGetProperty("error", out JsonElement clientError), $"client: {clientError}");
            Assert.False(serverReport.RootElement.TryGetProperty("error", out JsonElement serverError), $"server: {serverError}");

            // The sender is the client unless -R; it sent what -n asked for, or up to one more block (iperf3 checks the
            // count between blocks of 128 KiB, and may have one more in hand when it looks).
            JsonDocument senderReport = reverse ? serverReport : clientReport;
            long sent = SumBytes(senderReport, "sum_sent");
            Assert.InRange(sent, Bytes, Bytes + BlockBytes);
            // The receiver's count; without -R the client reports the same (the server sends it its results).
            long received = SumBytes(reverse ? clientReport : serverReport, "sum_received");
            if (!reverse)
            {
                Assert.Equal(received, SumBytes(clientReport, "sum_received"));
            }
            Assert.InRange(received, Bytes / 2, sent);

            // The kernel's end talked to the stack's address over the device.
            JsonDocument kernelReport = oursServes ? clientReport : serverReport;
            string? peer = kernelReport.RootElement.GetProperty("start").GetProperty("connected")[0].GetProperty("remote_host").GetString();
            Assert.Equal($"{Prefix}.2", peer);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static long SumBytes(JsonDocument report, string sum) =>
        report.RootElement.GetProperty("end").GetProperty(sum).GetProperty("bytes").GetInt64();
}
