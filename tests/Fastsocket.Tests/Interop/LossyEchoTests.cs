using System.Security.Cryptography;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// 20 MB each way between socat on the kernel side and <c>fastsocket serve --echo</c>, with iptables dropping 3% of
/// the packets in each direction: the echoed bytes must hash the same as the sent ones.
/// The echo stops reading whenever its send buffer is full, so our receive window closes and reopens many times while
/// packets are lost both ways; this is the test that caught a window edge pulled back by scaled-window rounding,
/// after which we dropped the kernel's ACKs as out of window and the transfer stalled for minutes
/// (<see cref="Tcp.Behaviour.WindowRightEdgeTests"/> holds the deterministic reproduction).
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class LossyEchoTests
{
    private const int Bytes = 20 * 1024 * 1024;

    [InteropFact("socat", "iptables")]
    public async Task TwentyMegabytesEachWayWithThreePercentLossArriveIntact()
    {
        string directory = Directory.CreateTempSubdirectory("fastsocket-echo-").FullName;
        try
        {
            string input = Path.Combine(directory, "in.bin");
            string echoed = Path.Combine(directory, "out.bin");
            byte[] data = new byte[Bytes];
            new Random(20).NextBytes(data);
            await File.WriteAllBytesAsync(input, data);

            using var ns = new NetworkNamespace();
            BackgroundProcess serve = await TunServer.StartAsync(ns, "198.18.14", "--echo", "--port", "7");
            foreach (string rule in new[] { "INPUT -i", "OUTPUT -o" })
            {
                string[] parts = rule.Split(' ');
                ns.Exec("iptables", "-A", parts[0], parts[1], ns.TunName, "-m", "statistic", "--mode", "random",
                    "--probability", "0.03", "-j", "DROP").EnsureSuccess();
            }

            // socat reads the file into the connection, half-closes when it ends, and writes what comes back until
            // the server half-closes too. -t bounds that wait; the whole command is bounded by ExecWithin. Runs here
            // take about 30 s; the kernel's ACKs mostly ride on its echoed data, so our fast retransmits depend on
            // counting ACKs that SACK new bytes as duplicates (RFC 6675), which took runs down from 32-55 s.
            CommandResult socat = ns.ExecWithin(TimeSpan.FromSeconds(300), "socat", "-b", "65536", "-t", "280", "-T", "280",
                "TCP:198.18.14.2:7", $"OPEN:{input},rdonly!!OPEN:{echoed},wronly,creat,trunc");
            CommandResult drops = ns.Exec("iptables", "-L", "-v", "-n", "-x");
            string output = await TunServer.StopAsync(serve);
            Assert.True(socat.ExitCode == 0, $"socat: {socat}\nserve:\n{output}");
            byte[] back = await File.ReadAllBytesAsync(echoed);
            Assert.True(back.Length == Bytes, $"echoed {back.Length} of {Bytes} bytes\nserve:\n{output}\n{drops.Output}");
            Assert.Equal(Convert.ToHexString(SHA256.HashData(data)), Convert.ToHexString(SHA256.HashData(back)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
