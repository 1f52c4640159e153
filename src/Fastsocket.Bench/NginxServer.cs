using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Fastsocket.Bench.KernelEpoll;

namespace Fastsocket.Bench;

/// <summary>
/// nginx as the bench's C reference: started on 127.0.0.1 with a config of its own in a fresh temporary directory
/// (N workers, one SO_REUSEPORT listener each, worker k pinned to CPU k as the other rows' server cores are, no
/// access log), serving the bench's response body with <c>return 200</c>, and stopped (SIGTERM, then SIGKILL if it
/// lingers) and its directory removed on <see cref="Dispose"/>.
/// </summary>
internal sealed partial class NginxServer : IDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private bool _disposed;

    private NginxServer(Process process, DirectoryInfo directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    /// <summary>The loopback port nginx listens on.</summary>
    public int Port { get; }

    /// <summary>The temporary directory holding nginx's config, pid file, logs and temp paths (removed on dispose).</summary>
    public string DirectoryPath => _directory.FullName;

    /// <summary>The nginx master's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Where nginx is installed (PATH, then the usual sbin directories), or null.</summary>
    public static string? FindExecutable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        IEnumerable<string> path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (string directory in path.Concat(["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin", "/sbin"]))
        {
            string candidate = Path.Combine(directory, "nginx");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Why the nginx row cannot run here, or null when it can.</summary>
    public static string? UnavailableReason() =>
        !OperatingSystem.IsLinux() ? "the nginx reference row runs on Linux only"
        : FindExecutable() is null ? "nginx is not installed (not on PATH, nor in /usr/sbin, /usr/local/sbin or /usr/local/nginx/sbin)"
        : null;

    /// <summary>Starts nginx with <paramref name="workers"/> workers serving <paramref name="body"/>; returns once it accepts connections.</summary>
    public static NginxServer Start(int workers, ReadOnlySpan<byte> body, int workerConnections)
    {
        string executable = FindExecutable() ?? throw new InvalidOperationException($"nginx row: {UnavailableReason()}.");
        DirectoryInfo directory = Directory.CreateTempSubdirectory("fastsocket-nginx-");
        int port = FreeLoopbackPort();
        string config = Path.Combine(directory.FullName, "nginx.conf");
        File.WriteAllText(config, Config(directory.FullName, port, workers, body, workerConnections));
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // -e: errors go to our directory from the first line on, not to the distribution's log before the config is read.
        foreach (string argument in new[] { "-p", directory.FullName + "/", "-c", config, "-e", Path.Combine(directory.FullName, "error.log") })
        {
            info.ArgumentList.Add(argument);
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException("nginx did not start.");
        // Read and dropped, so nothing nginx prints reaches the bench's own output (its JSON on stdout).
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new NginxServer(process, directory, port);
        try
        {
            server.WaitUntilListening();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>The config: nothing but what the workload needs, every path inside <paramref name="directory"/>.</summary>
    internal static string Config(string directory, int port, int workers, ReadOnlySpan<byte> body, int workerConnections)
    {
        var affinity = new StringBuilder();
        for (int worker = 0; worker < workers; worker++)
        {
            int cpu = EpollNative.AllowedCpus[worker % EpollNative.AllowedCpus.Count];
            // nginx's masks are binary strings, lowest CPU rightmost.
            affinity.Append(' ').Append('1').Append('0', cpu);
        }

        // The body is the bench's (letters only), so it needs no escaping inside nginx's double quotes.
        string text = Encoding.ASCII.GetString(body);
        return string.Create(CultureInfo.InvariantCulture, $$"""
            daemon off;
            master_process on;
            worker_processes {{workers}};
            worker_cpu_affinity{{affinity}};
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events {
                use epoll;
                worker_connections {{workerConnections}};
            }
            http {
                access_log off;
                server_tokens off;
                default_type text/plain;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                server {
                    listen 127.0.0.1:{{port}} reuseport backlog=4096;
                    location / {
                        return 200 "{{text}}";
                    }
                }
            }

            """);
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private void WaitUntilListening()
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited at start (code {_process.ExitCode}): {ErrorLog()}");
            }

            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probe.Connect(new IPEndPoint(IPAddress.Loopback, Port));
                return;
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.Sleep(20);
            }
            catch (SocketException ex)
            {
                throw new InvalidOperationException($"nginx did not listen on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds:F0} s ({ex.Message}): {ErrorLog()}", ex);
            }
        }
    }

    private string ErrorLog()
    {
        try
        {
            string log = File.ReadAllText(Path.Combine(_directory.FullName, "error.log")).Trim();
            return log.Length == 0 ? "(error log empty)" : log;
        }
        catch (IOException)
        {
            return "(no error log)";
        }
    }

    /// <summary>Stops nginx (SIGTERM to its master, which stops the workers; SIGKILL if it lingers) and removes its directory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                _ = Kill(_process.Id, SigTerm);
                if (!_process.WaitForExit(StopTimeout))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(StopTimeout);
                }
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                _directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
