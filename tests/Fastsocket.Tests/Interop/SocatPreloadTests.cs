using System.Security.Cryptography;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// Unmodified socat on Fastsocket.NET through LD_PRELOAD, against socat on the kernel, over TUN in a namespace: as the
/// server and as the client, each end sends a file and writes what it receives to another, both at once, and the
/// SHA-256 of what each end sent equals that of what the other received. socat waits in select, reads and writes
/// blocking sockets and half-closes with shutdown, then exits at once: the exit must not lose the last bytes.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class SocatPreloadTests
{
    private const string Prefix = "198.18.24";
    private const int Port = 9000;
    private const int OursBytes = 3_000_000;
    private const int KernelBytes = 2_000_000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [NginxPreloadFact("socat", "gcc")]
    public Task SocatServerOnTheStackExchangesFilesWithAKernelClient() => ExchangeAsync(oursListens: true, "thread");

    [NginxPreloadFact("socat", "gcc")]
    public Task SocatClientOnTheStackExchangesFilesWithAKernelServer() => ExchangeAsync(oursListens: false, "thread");

    [NginxPreloadFact("socat", "gcc")]
    public Task SocatServerOnTheStackWithTheEngineInsideSelectExchangesFilesWithAKernelClient() => ExchangeAsync(oursListens: true, "inline");

    [NginxPreloadFact("socat", "gcc")]
    public Task SocatClientOnTheStackWithTheEngineInsideSelectExchangesFilesWithAKernelServer() => ExchangeAsync(oursListens: false, "inline");

    private static async Task ExchangeAsync(bool oursListens, string engine)
    {
        string work = Directory.CreateTempSubdirectory("socat-preload-").FullName;
        try
        {
            string preload = PreloadSetup.BuildInterposer(work);
            string oursSend = WriteRandomFile(Path.Combine(work, "ours.send"), OursBytes, seed: 1);
            string kernelSend = WriteRandomFile(Path.Combine(work, "kernel.send"), KernelBytes, seed: 2);
            string oursReceived = Path.Combine(work, "ours.recv");
            string kernelReceived = Path.Combine(work, "kernel.recv");
            // The read side of each end is its file to send, the write side the file it receives into; -t 30: after
            // its own EOF each end waits for the other direction to end too.
            string oursFiles = $"GOPEN:{oursSend}!!CREATE:{oursReceived}";
            string kernelFiles = $"GOPEN:{kernelSend}!!CREATE:{kernelReceived}";

            using NetworkNamespace ns = PreloadSetup.CreateNamespace(Prefix);
            BackgroundProcess server;
            CommandResult client;
            if (oursListens)
            {
                server = ns.Start("env", PreloadSetup.Preloaded(preload, ns, Prefix, engine,
                    "socat", "-t", "30", $"TCP-LISTEN:{Port},bind={Prefix}.2,reuseaddr", oursFiles));
                Assert.True(await PreloadSetup.WaitForQueuesAsync(() => [server.Id], 1, Limit), $"socat did not start the stack: {server.Error}");
                client = ns.ExecWithin(Limit, "socat", "-t", "30", $"TCP:{Prefix}.2:{Port}", kernelFiles);
            }
            else
            {
                server = ns.Start("socat", "-t", "30", $"TCP-LISTEN:{Port},bind={Prefix}.1,reuseaddr", kernelFiles);
                await WaitForKernelListenerAsync(ns);
                client = ns.ExecWithin(Limit, "env", PreloadSetup.Preloaded(preload, ns, Prefix, engine,
                    "socat", "-t", "30", $"TCP:{Prefix}.1:{Port}", oursFiles));
            }
            CommandResult served = await PreloadSetup.WaitForExitAsync(server, Limit);
            Assert.True(client.ExitCode == 0, $"client: {client}");
            Assert.True(served.ExitCode == 0, $"server: {served}");

            Assert.Equal(Digest(oursSend), Digest(kernelReceived));
            Assert.Equal(Digest(kernelSend), Digest(oursReceived));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task WaitForKernelListenerAsync(NetworkNamespace ns)
    {
        for (int i = 0; i < 200; i++)
        {
            if (ns.Exec("ss", "-Hltn").Output.Contains($":{Port}", StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail("the kernel's socat did not listen");
    }

    private static string WriteRandomFile(string path, int bytes, int seed)
    {
        byte[] content = new byte[bytes];
        new Random(seed).NextBytes(content);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static string Digest(string path)
    {
        Assert.True(File.Exists(path), $"{Path.GetFileName(path)} was not written");
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
