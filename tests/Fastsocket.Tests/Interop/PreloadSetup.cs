using System.Diagnostics;
using Fastsocket.Tests.Packetdrill;

namespace Fastsocket.Tests.Interop;

/// <summary>
/// What the LD_PRELOAD tests share: a private copy of the published libfastsocket.so with the interposer built beside
/// it, a namespace with a multi-queue TUN device addressed on the kernel's side, and the environment that puts an
/// unmodified program's sockets on the stack.
/// </summary>
internal static class PreloadSetup
{
    /// <summary>
    /// Copies the shared publish into <paramref name="directory"/> (the packetdrill runs beside a test may republish it
    /// meanwhile), builds the interposer there and returns its path.
    /// </summary>
    public static string BuildInterposer(string directory)
    {
        string native = Path.Combine(directory, "native");
        Directory.CreateDirectory(native);
        File.Copy(PacketdrillFixture.SharedLibrary, Path.Combine(native, "libfastsocket.so"));
        string build = Path.Combine(PacketdrillEnvironment.RepositoryRoot, "src", "Fastsocket.Native", "preload", "build.sh");
        NetworkNamespace.Run("bash", [build, native], TimeSpan.FromSeconds(60)).EnsureSuccess();
        return Path.Combine(native, "libfastsocket-preload.so");
    }

    /// <summary>A namespace with the TUN device up, the kernel at <paramref name="prefix"/>.1/24.</summary>
    public static NetworkNamespace CreateNamespace(string prefix)
    {
        var ns = new NetworkNamespace();
        try
        {
            ns.Exec("ip", "tuntap", "add", "dev", ns.TunName, "mode", "tun", "multi_queue").EnsureSuccess();
            ns.Exec("ip", "addr", "add", $"{prefix}.1/24", "dev", ns.TunName).EnsureSuccess();
            ns.Exec("ip", "link", "set", "dev", ns.TunName, "up").EnsureSuccess();
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <c>env LD_PRELOAD=... FASTSOCKET_...=...</c> followed by <paramref name="command"/>: the program's TCP sockets on
    /// the stack at <paramref name="prefix"/>.2, driven the <paramref name="engine"/> way.
    /// </summary>
    public static string[] Preloaded(string preload, NetworkNamespace ns, string prefix, string engine, params string[] command) =>
        [$"LD_PRELOAD={preload}", $"FASTSOCKET_TUN={ns.TunName}", $"FASTSOCKET_ADDRESS={prefix}.2/24", $"FASTSOCKET_ENGINE={engine}", .. command];

    /// <summary>
    /// Waits until the process <paramref name="process"/> holds <paramref name="count"/> queues of the TUN device (the
    /// stack starts when its first socket is used, for a server once it listens and waits; each nginx worker attaches
    /// one of its own); false if it exits or time runs out.
    /// </summary>
    public static async Task<bool> WaitForQueuesAsync(Func<IEnumerable<int>> processes, int count, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            int queues = processes().Sum(CountTunDescriptors);
            if (queues >= count)
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>The process and its descendants (nginx's master and workers, say), from /proc.</summary>
    public static IEnumerable<int> WithDescendants(int root)
    {
        var all = new List<int> { root };
        for (int i = 0; i < all.Count; i++)
        {
            string path = $"/proc/{all[i]}/task/{all[i]}/children";
            if (!File.Exists(path))
            {
                continue;
            }
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (IOException)
            {
                continue;
            }
            foreach (string child in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                all.Add(int.Parse(child, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return all;
    }

    private static int CountTunDescriptors(int pid)
    {
        int count = 0;
        try
        {
            foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                try
                {
                    if (new FileInfo(fd).LinkTarget == "/dev/net/tun")
                    {
                        count++;
                    }
                }
                catch (IOException)
                {
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return count;
    }

    /// <summary>Waits until <paramref name="process"/> exits by itself (at most <paramref name="limit"/>), then its result.</summary>
    public static async Task<CommandResult> WaitForExitAsync(BackgroundProcess process, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit && !process.HasExited)
        {
            await Task.Delay(50);
        }
        // Already exited: StopAsync only collects the exit code. Still running: it is stopped and reported as such.
        return await process.StopAsync(TimeSpan.FromSeconds(5));
    }
}
